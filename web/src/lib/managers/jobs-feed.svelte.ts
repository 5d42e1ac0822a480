import type { GraphqlClient } from '../graphql/client';
import { CancelJobDocument, CreateJobDocument, type CreateJobInput, type JobRowFragment, JobsDocument, RetryJobDocument } from '../graphql/generated';

/** The statuses the API's jobs(status:) takes, in the order a job passes them; the filter tabs follow it. */
export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobFilter = JobStatus | 'all';

const REFRESH_MS = 1_000;

/**
 * The jobs the page shows, and the only place that keeps them fresh.
 *
 * Today its source is the API's `jobs` query, asked again every second while
 * a view holds the feed open (`open()` / the returned close). When the
 * gateway ([M7]) lands, the source becomes its `WatchEvents` stream
 * (Connect-Web, replay from a sequence): the same getters and methods, rows
 * changed by events instead of replaced by a poll, and no other class
 * polls in the meantime — the job page reads its live fields from here.
 */
export class JobsFeed {
  #jobs = $state<JobRowFragment[]>([]);
  #filter = $state<JobFilter>('all');
  #loaded = $state(false);
  #error = $state<string | null>(null);
  #openCount = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly client: GraphqlClient) {}

  get jobs(): JobRowFragment[] {
    return this.#filter === 'all' ? this.#jobs : this.#jobs.filter((job) => job.status === this.#filter);
  }

  get total(): number {
    return this.#jobs.length;
  }

  get counts(): Record<JobStatus, number> {
    const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
    for (const job of this.#jobs) if (job.status in counts) counts[job.status as JobStatus]++;
    return counts;
  }

  get filter(): JobFilter {
    return this.#filter;
  }

  /** False until the first answer: the view shows "loading", not "no jobs". */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** The last refresh's failure, cleared by the next success. */
  get error(): string | null {
    return this.#error;
  }

  job(id: string): JobRowFragment | undefined {
    return this.#jobs.find((job) => job.id === id);
  }

  /** Newest first, as the API lists them: the position of a pending job in the queue counts from the oldest. */
  queuePosition(id: string): number | null {
    const pending = this.#jobs.filter((job) => job.status === 'pending');
    const index = pending.findIndex((job) => job.id === id);
    return index < 0 ? null : pending.length - index;
  }

  setFilter(filter: JobFilter): void {
    this.#filter = filter;
  }

  /** Starts following (the first opener starts the refresh); call the returned function to stop. */
  open(): () => void {
    if (this.#openCount++ === 0) void this.#refreshLoop();
    return () => {
      if (--this.#openCount === 0) clearTimeout(this.#timer);
    };
  }

  async refresh(): Promise<void> {
    try {
      const { jobs } = await this.client.request(JobsDocument, {});
      this.#jobs = jobs;
      this.#error = null;
    } catch (err) {
      this.#error = (err as Error).message;
    } finally {
      this.#loaded = true;
    }
  }

  async create(input: CreateJobInput): Promise<JobRowFragment> {
    const { createJob } = await this.client.request(CreateJobDocument, { input });
    this.#upsert(createJob);
    return createJob;
  }

  async cancel(id: string): Promise<void> {
    const { cancelJob } = await this.client.request(CancelJobDocument, { id });
    this.#upsert(cancelJob);
  }

  async retry(id: string): Promise<void> {
    const { retryJob } = await this.client.request(RetryJobDocument, { id });
    this.#upsert(retryJob);
  }

  #upsert(row: JobRowFragment): void {
    const index = this.#jobs.findIndex((job) => job.id === row.id);
    this.#jobs = index < 0 ? [row, ...this.#jobs] : this.#jobs.with(index, row);
  }

  async #refreshLoop(): Promise<void> {
    await this.refresh();
    if (this.#openCount > 0) this.#timer = setTimeout(() => void this.#refreshLoop(), REFRESH_MS);
  }
}
