import { create, toJson } from '@bufbuild/protobuf';
import { EventSchema } from '@mpr/contracts/events_pb';
import { type EventFact, eventFacts } from '@mpr/core/events/event.facts';
import type { WatchJobResponse } from '@mpr/contracts/gateway_pb';
import type { GatewayClient } from '../gateway/gateway-client';
import type { GraphqlClient } from '../graphql/client';
import { JobDocument, type JobQuery } from '../graphql/generated';
import { applyJobEvent, applyProgress, type JobEventAt, jobEventAt, type LiveJobRow, statusAfter } from './job-events';
import { LiveStream, type LiveStreams } from './live-stream.svelte';

export type JobDetails = JobQuery['job'] & Pick<LiveJobRow, 'fps'>;

/** One entry of the job's history, as the log holds it. */
export interface HistoryEntry {
  sequence: number;
  type: string;
  occurredAt: string;
  attempt: number | null;
  /** The event as protobuf JSON (what `nats stream view` shows). */
  data: string;
  /** Its payload's fields but the job's id and attempt, which the page shows already. */
  facts: EventFact[];
  /** A JobFailed's attempt and reason, read from the typed event. */
  failure?: { attempt: number; message: string; retryable: boolean };
}

/** A failed attempt, with the reason ffmpeg or the platform gave. */
export interface AttemptFailure {
  attempt: number;
  sequence: number;
  occurredAt: string;
  message: string;
  retryable: boolean;
}

/**
 * One job's page, live: its history straight from the log (the gateway's
 * WatchJob from the job's first event, resumed from the last sequence + 1
 * after a drop, so no entry is missing or shown twice), its live progress,
 * and its fields, sources and output from GraphQL — read once when the page
 * opens and again only after an event that changes what GraphQL adds
 * (a start, an end, a retry), at that event's sequence (`job(after:)`).
 */
export class JobDetail {
  #id = $state<string | null>(null);
  #job = $state<JobDetails | null>(null);
  #history = $state<HistoryEntry[]>([]);
  #error = $state<string | null>(null);
  #loading = $state(false);
  #last = 0;
  /** The job's events seen on the stream: a GraphQL read older than some of them gets them applied again. */
  #events: JobEventAt[] = [];
  #readVersion = 0;
  #lastStatusSequence = 0;
  #reads = 0;
  readonly stream: LiveStream<WatchJobResponse>;

  constructor(
    private readonly client: GraphqlClient,
    gateway: GatewayClient,
    streams: LiveStreams,
    onUnauthenticated: () => void,
  ) {
    this.stream = new LiveStream(
      'job',
      streams,
      (signal) => gateway.watchJob({ jobId: this.#id ?? '', fromSequence: BigInt(this.#last + 1) }, { signal }),
      (message) => this.#receive(message),
      onUnauthenticated,
    );
  }

  get job(): JobDetails | null {
    return this.#job;
  }

  get history(): HistoryEntry[] {
    return this.#history;
  }

  /** Every failed attempt, oldest first (a retried job keeps its earlier failures here). */
  get failures(): AttemptFailure[] {
    return this.#history.flatMap(({ failure, sequence, occurredAt }) => (failure ? [{ ...failure, sequence, occurredAt }] : []));
  }

  get error(): string | null {
    return this.#error;
  }

  get loading(): boolean {
    return this.#loading;
  }

  /** Follows job `id` (the history from its first event); call the returned function to stop. */
  open(id: string): () => void {
    this.#id = id;
    this.#job = null;
    this.#history = [];
    this.#error = null;
    this.#last = 0;
    this.#events = [];
    this.#readVersion = 0;
    this.#lastStatusSequence = 0;
    void this.#read(id);
    this.stream.start();
    return () => {
      this.stream.stop();
      this.#id = null;
    };
  }

  async #read(id: string, after?: number): Promise<void> {
    const read = ++this.#reads;
    this.#loading = true;
    try {
      const { job } = await this.client.request(JobDocument, { id, after });
      // A later read or another job's page won: drop this answer.
      if (read !== this.#reads || this.#id !== id) return;
      this.#readVersion = job.version;
      // The stream may be ahead of the read models: its later events apply on top, and the live progress stays.
      let fresh: JobDetails = this.#events.reduce((row, at) => applyJobEvent(row, at), { ...job } as JobDetails);
      const current = this.#job;
      if (current && current.status === 'processing' && fresh.status === 'processing' && current.attempt === fresh.attempt) {
        fresh = { ...fresh, progress: current.progress, speed: current.speed, eta: current.eta, fps: current.fps };
      }
      this.#job = fresh;
      this.#error = null;
      // A start or an end seen while this read was under way: read what it changed.
      if (this.#readVersion < this.#lastStatusSequence) void this.#read(id, this.#lastStatusSequence);
    } catch (err) {
      if (this.#id === id) this.#error = (err as Error).message;
    } finally {
      if (read === this.#reads) this.#loading = false;
    }
  }

  #receive(message: WatchJobResponse): void {
    const { kind } = message;
    if (kind.case === 'event') {
      const at = jobEventAt(kind.value);
      if (!at || at.sequence <= this.#last || !kind.value.event) return;
      this.#last = at.sequence;
      const envelope = kind.value.event;
      const value = envelope.data.value as { attempt?: number } | undefined;
      const json = toJson(EventSchema, create(EventSchema, envelope)) as Record<string, unknown>;
      const failed = at.event.case === 'jobFailed' ? at.event.value : null;
      this.#history = [
        ...this.#history,
        {
          sequence: at.sequence,
          type: envelope.type,
          occurredAt: at.occurredAt,
          attempt: value?.attempt ?? (at.event.case === 'jobCreated' ? 1 : null),
          data: JSON.stringify(json),
          facts: eventFacts(json, ['jobId', 'attempt']),
          ...(failed && { failure: { attempt: failed.attempt, message: failed.errorMessage, retryable: failed.retryable } }),
        },
      ];
      this.#events.push(at);
      if (this.#job) this.#job = applyJobEvent(this.#job, at);
      // What GraphQL adds (the output's URL and probe) changes with the status: read it at this event, unless a read already showed it.
      if (statusAfter(at.event) && at.event.case !== 'jobCreated') {
        this.#lastStatusSequence = at.sequence;
        if (this.#id && this.#job && this.#readVersion < at.sequence) void this.#read(this.#id, at.sequence);
      }
    } else if (kind.case === 'progress' && this.#job) {
      this.#job = applyProgress(this.#job, kind.value);
    }
  }
}
