import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { SequencedEvent } from '@mpr/contracts/events_pb';
import type { WatchEventsResponse } from '@mpr/contracts/gateway_pb';
import type { JobProgress } from '@mpr/contracts/job_pb';
import { priorityClass } from '@mpr/core/domain/job.names';
import type { GatewayClient } from '../gateway/gateway-client';
import type { GraphqlClient } from '../graphql/client';
import {
  CancelJobDocument,
  CreateJobDocument,
  type CreateJobInput,
  JobBoardDocument,
  type JobRowFragment,
  JobRowByIdDocument,
  JobsDocument,
  RetryJobDocument,
} from '../graphql/generated';
import { applyJobEvent, applyProgress, createdRow, type JobEventAt, jobEventAt, type LiveJobRow, statusAfter } from './job-events';
import { LiveStream, type LiveStreams } from './live-stream.svelte';

/** The statuses the API's jobs(status:) takes, in the order a job passes them; the filter tabs follow it. */
export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobFilter = JobStatus | 'all';

/** Rows per page: what one GraphQL read brings, and how many more "Show more" adds. */
export const PAGE = 100;
/** Job events kept to bring a row read later up to the stream (a read model may lag the log). */
const RECENT_EVENTS = 10_000;
/** The scheduler drains priority classes in this order (libs/core domain/job.names: PRIORITY_CLASSES). */
const PRIORITY_RANK: Record<string, number> = { high: 0, normal: 1, low: 2 };
const BOARD_RETRY_MS = 2_000;

interface Entry {
  status: string;
  priority: string;
  queuedSequence: number;
}

/** Whether the scheduler hands pending jobs out (pauseDispatch / resumeDispatch); null until the board is read. */
export interface DispatchSwitch {
  paused: boolean;
  reason: string;
  /** When it was last switched (ISO time); null: never. */
  since: string | null;
}

const newestFirst = (a: LiveJobRow, b: LiveJobRow) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);

/**
 * The jobs the page shows, live, with no polling. It starts from one
 * GraphQL read (`jobBoard`: every job's status and queue place, the first
 * page of rows, and the read models' sequence, in one snapshot), then
 * applies the gateway's WatchEvents stream from that sequence + 1: job
 * events change rows and counts the way the API's projection changes the
 * read model, and every job's live progress (with_progress) moves the bars.
 * After a drop it resumes from the last sequence applied + 1, so nothing is
 * lost and nothing applied twice. GraphQL is asked again only for what the
 * user does (a filter, "Show more", an action) and for a row the page has
 * never seen (a job created elsewhere, or one entering the filter shown).
 */
export class JobsFeed {
  #entries = new Map<string, Entry>();
  /** Bumped on every change of #entries (a plain Map: 10,000 jobs need no proxy each). */
  #entriesVersion = $state(0);
  /** Completed jobs the board counted without an entry (COMPLETED is final: no event changes them). */
  #completedUnlisted = $state(0);
  #rows = $state<LiveJobRow[]>([]);
  #filter = $state<JobFilter>('all');
  #shown = $state(PAGE);
  #loaded = $state(false);
  #error = $state<string | null>(null);
  #sequence = $state(0);
  #dispatch = $state<DispatchSwitch | null>(null);
  #recent: JobEventAt[] = [];
  #fetching = new Set<string>();
  /** Progress received since the last frame, the latest per job: applied together once a frame. */
  #progress = new Map<string, JobProgress>();
  #frame: number | undefined;
  #openCount = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly stream: LiveStream<WatchEventsResponse>;

  constructor(
    private readonly client: GraphqlClient,
    gateway: GatewayClient,
    streams: LiveStreams,
    onUnauthenticated: () => void,
  ) {
    this.stream = new LiveStream(
      'jobs',
      streams,
      (signal) => gateway.watchEvents({ fromSequence: BigInt(this.#sequence + 1), aggregateTypes: ['job', 'dispatch'], withProgress: true }, { signal }),
      (message) => this.#receive(message),
      onUnauthenticated,
    );
  }

  #counts = $derived.by(() => {
    void this.#entriesVersion;
    const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
    for (const { status } of this.#entries.values()) if (status in counts) counts[status as JobStatus]++;
    counts.completed += this.#completedUnlisted;
    return counts;
  });

  #queue = $derived.by(() => {
    void this.#entriesVersion;
    const pending = [...this.#entries].filter(([, e]) => e.status === 'pending');
    pending.sort(([, a], [, b]) => (PRIORITY_RANK[a.priority] ?? 1) - (PRIORITY_RANK[b.priority] ?? 1) || a.queuedSequence - b.queuedSequence);
    return new Map(pending.map(([id], index) => [id, index + 1]));
  });

  #matching = $derived(this.#filter === 'all' ? this.#rows : this.#rows.filter((job) => job.status === this.#filter));

  /** The rows shown: the filter's, newest first, one or more pages. */
  get jobs(): LiveJobRow[] {
    return this.#matching.slice(0, this.#shown);
  }

  /** More jobs match the filter than are shown. */
  get hasMore(): boolean {
    return this.count(this.#filter) > this.jobs.length;
  }

  get total(): number {
    void this.#entriesVersion;
    return this.#entries.size + this.#completedUnlisted;
  }

  get counts(): Record<JobStatus, number> {
    return this.#counts;
  }

  count(filter: JobFilter): number {
    return filter === 'all' ? this.total : this.#counts[filter];
  }

  get filter(): JobFilter {
    return this.#filter;
  }

  /** False until the first answer: the view shows "loading", not "no jobs". */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Why the jobs could not be read (GraphQL); cleared by the next success. The stream's own drops are the stream's. */
  get error(): string | null {
    return this.#error;
  }

  /** The last MPR_EVENTS sequence applied (the stream resumes after it). */
  get sequence(): number {
    return this.#sequence;
  }

  /** The dispatch switch as the log has it now: a pause shows on the list the moment it is appended, without a read. */
  get dispatch(): DispatchSwitch | null {
    return this.#dispatch;
  }

  job(id: string): LiveJobRow | undefined {
    return this.#rows.find((job) => job.id === id);
  }

  /** A pending job's place in the queue: by priority class, then in the order the jobs were queued, as the scheduler drains them. */
  queuePosition(id: string): number | null {
    return this.#queue.get(id) ?? null;
  }

  setFilter(filter: JobFilter): void {
    this.#filter = filter;
    this.#shown = PAGE;
    if (this.#loaded && this.#matching.length < Math.min(PAGE, this.count(filter))) void this.#loadPage(filter, 0);
  }

  showMore(): void {
    const offset = this.#matching.length;
    this.#shown += PAGE;
    void this.#loadPage(this.#filter, offset);
  }

  /** Starts following (the first opener reads the board and opens the stream); call the returned function to stop. */
  open(): () => void {
    if (this.#openCount++ === 0) void this.#start();
    return () => {
      if (--this.#openCount > 0) return;
      clearTimeout(this.#retry);
      if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
      this.#frame = undefined;
      this.#progress.clear();
      this.stream.stop();
    };
  }

  async create(input: CreateJobInput): Promise<JobRowFragment> {
    const { createJob } = await this.client.request(CreateJobDocument, { input });
    this.#merge([createJob]);
    return createJob;
  }

  async cancel(id: string): Promise<void> {
    const { cancelJob } = await this.client.request(CancelJobDocument, { id });
    this.#merge([cancelJob]);
  }

  async retry(id: string): Promise<void> {
    const { retryJob } = await this.client.request(RetryJobDocument, { id });
    this.#merge([retryJob]);
  }

  async #start(): Promise<void> {
    try {
      const { jobBoard, dispatchState } = await this.client.request(JobBoardDocument, { status: this.#filter === 'all' ? null : this.#filter, limit: PAGE });
      if (this.#openCount === 0) return;
      this.#entries = new Map(jobBoard.entries.map(({ id, ...entry }) => [id, entry]));
      this.#completedUnlisted = jobBoard.completed;
      this.#entriesVersion++;
      this.#sequence = jobBoard.sequence;
      // Read from the log beside the board: the dispatch events after its sequence come again below, each the whole switch.
      this.#dispatch = { paused: dispatchState.paused, reason: dispatchState.reason, since: dispatchState.since ?? null };
      this.#rows = [...jobBoard.jobs].sort(newestFirst);
      this.#error = null;
      this.#loaded = true;
      this.stream.start();
    } catch (err) {
      this.#error = (err as Error).message;
      this.#loaded = true;
      // The API is away: read again shortly (nothing is live before this read succeeds).
      if (this.#openCount > 0) this.#retry = setTimeout(() => void this.#start(), BOARD_RETRY_MS);
    }
  }

  async #loadPage(filter: JobFilter, offset: number): Promise<void> {
    try {
      const { jobs } = await this.client.request(JobsDocument, { status: filter === 'all' ? null : filter, limit: PAGE, offset });
      this.#merge(jobs);
      this.#error = null;
    } catch (err) {
      this.#error = (err as Error).message;
    }
  }

  #receive(message: WatchEventsResponse): void {
    const { kind } = message;
    if (kind.case === 'event') {
      if (this.#applyDispatch(kind.value)) return;
      const at = jobEventAt(kind.value);
      // A resumed stream starts after the last sequence applied; anything at or before it was applied already.
      if (!at || at.sequence <= this.#sequence) return;
      this.#sequence = at.sequence;
      this.#applyToEntries(at);
      this.#recent.push(at);
      if (this.#recent.length > RECENT_EVENTS) this.#recent.splice(0, this.#recent.length - RECENT_EVENTS);
      this.#applyToRow(at.jobId, at);
    } else if (kind.case === 'progress') {
      // 50 jobs running send 200 messages a second: one change of the rows per message kept the page seconds behind its stream.
      this.#progress.set(kind.value.jobId, kind.value);
      this.#frame ??= requestAnimationFrame(() => this.#applyProgress());
    }
  }

  /** A dispatch event sets the whole switch; true when `sequenced` was one. */
  #applyDispatch(sequenced: SequencedEvent): boolean {
    const envelope = sequenced.event;
    if (envelope?.aggregateType !== 'dispatch') return false;
    const sequence = Number(sequenced.sequence);
    if (sequence <= this.#sequence) return true;
    this.#sequence = sequence;
    const since = envelope.occurredAt ? timestampDate(envelope.occurredAt).toISOString() : new Date().toISOString();
    const { data } = envelope;
    if (data.case === 'dispatchPaused') this.#dispatch = { paused: true, reason: data.value.reason, since };
    else if (data.case === 'dispatchResumed') this.#dispatch = { paused: false, reason: '', since };
    return true;
  }

  #applyProgress(): void {
    this.#frame = undefined;
    const progress = this.#progress;
    this.#progress = new Map();
    if (!this.#rows.some((job) => progress.has(job.id))) return;
    this.#rows = this.#rows.map((job) => {
      const latest = progress.get(job.id);
      return latest ? applyProgress(job, latest) : job;
    });
  }

  #applyToEntries(at: JobEventAt): void {
    const { event, jobId: id } = at;
    const entry = this.#entries.get(id);
    if (event.case === 'jobCreated') {
      this.#entries.set(id, { status: 'pending', priority: priorityClass(event.value.priority), queuedSequence: at.sequence });
    } else if (entry) {
      const status = statusAfter(event);
      if (status) entry.status = status;
      if (event.case === 'jobRetried') entry.queuedSequence = at.sequence;
      if (event.case === 'jobPriorityChanged') entry.priority = priorityClass(event.value.priority);
    }
    this.#entriesVersion++;
  }

  #applyToRow(jobId: string, at: JobEventAt): void {
    const index = this.#rows.findIndex((job) => job.id === jobId);
    if (index >= 0) {
      this.#rows[index] = applyJobEvent(this.#rows[index], at);
      return;
    }
    if (at.event.case === 'jobCreated') {
      const e = at.event.value;
      const sourceAsset = this.#rows.find((job) => job.sourceAsset?.id === e.sourceAssetId)?.sourceAsset ?? null;
      const preset = this.#rows.find((job) => job.preset?.id === e.presetId)?.preset ?? null;
      this.#rows = [createdRow(at, { sourceAsset, preset })!, ...this.#rows].sort(newestFirst);
      // Names the page has not seen yet come with the row, read once.
      if (!sourceAsset || !preset) void this.#fetchRow(jobId, at.sequence);
      return;
    }
    // A job the page has no row of entered the filter shown: read its row once.
    const status = statusAfter(at.event);
    if (status && status === this.#filter) void this.#fetchRow(jobId, at.sequence);
  }

  async #fetchRow(id: string, after: number): Promise<void> {
    if (this.#fetching.has(id)) return;
    this.#fetching.add(id);
    try {
      const { job } = await this.client.request(JobRowByIdDocument, { id, after });
      this.#merge([job]);
    } catch {
      // Deleted or unreadable: the row stays as the events made it.
    } finally {
      this.#fetching.delete(id);
    }
  }

  /** Rows read from the API join the page; one behind the stream is brought up with the events since (the read model may lag the log). */
  #merge(fetched: LiveJobRow[]): void {
    const rows = [...this.#rows];
    for (const fresh of fetched) {
      let row: LiveJobRow = fresh;
      for (const at of this.#recent) if (at.jobId === fresh.id) row = applyJobEvent(row, at);
      const index = rows.findIndex((job) => job.id === row.id);
      if (index < 0) rows.push(row);
      else if (row.version >= rows[index].version)
        rows[index] = { ...row, fps: rows[index].fps, ...(row.version === rows[index].version ? liveFields(rows[index]) : {}) };
    }
    this.#rows = rows.sort(newestFirst);
  }
}

/** What live telemetry set on a row that a read of the same version may not show yet. */
function liveFields(row: LiveJobRow): Partial<LiveJobRow> {
  return row.status === 'processing' ? { progress: row.progress, speed: row.speed, eta: row.eta, fps: row.fps } : {};
}
