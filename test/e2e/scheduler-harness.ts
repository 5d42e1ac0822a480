import { fromJsonString } from '@bufbuild/protobuf';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { type TranscodeWorkItem, TranscodeWorkItemSchema } from '@mpr/contracts/work_pb';
import {
  type AppConfig,
  type EventStore,
  fold,
  handleCommand,
  type HandleResult,
  type JobCommand,
  jobDecider,
  type JobEvent,
  type JobState,
  loadConfig,
  type RunningService,
  type ServiceDefinition,
  startService,
  type StoredEvent,
} from '@mpr/core';
import { waitFor } from '@mpr/core/testing/wait-for';
import { createTestStreams, TEST_DATABASE_URL, TEST_NATS_URL, type TestStreams } from '@mpr/core/testing/test-infra';
import { SchedulerModule } from '../../services/scheduler/src/scheduler.module';
import type { SchedulerOptions } from '../../services/scheduler/src/scheduler.options';
import { schedulerService } from '../../services/scheduler/src/scheduler.service-definition';

export interface JobView {
  state: JobState;
  events: StoredEvent<JobEvent>[];
}

export interface QueuedWork {
  subject: string;
  item: TranscodeWorkItem;
}

/**
 * The scheduler service in this process against private streams. The test
 * plays the transcoder: it reads MPR_WORK and appends StartJob, FailJob and
 * CompleteJob itself, so no ffmpeg is needed.
 */
export class SchedulerHarness {
  scheduler?: RunningService;
  private sentinels = 0;

  private constructor(
    readonly config: AppConfig,
    readonly streams: TestStreams,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly options: Partial<SchedulerOptions>,
  ) {}

  /** A short retry backoff (200 ms, doubling to 1 s) keeps retry tests quick. */
  static async create(env: Record<string, string> = {}): Promise<SchedulerHarness> {
    const streams = await createTestStreams();
    const config = loadConfig({
      NATS_URL: TEST_NATS_URL,
      DATABASE_URL: TEST_DATABASE_URL,
      MPR_STREAM_PREFIX: streams.names.prefix,
      MPR_SCHEDULER_PORT: '0',
      MPR_LOG_LEVEL: 'error',
      ...env,
    });
    const policy = { retryBaseDelayMs: 200, retryMaxDelayMs: 1_000 };
    const harness = new SchedulerHarness(config, streams, jetstream(streams.nc), await jetstreamManager(streams.nc), policy);
    await harness.start();
    return harness;
  }

  get url(): string {
    return this.scheduler!.url;
  }

  async start(): Promise<void> {
    this.scheduler = await startService(this.definition(), this.config);
  }

  private definition(): ServiceDefinition {
    return { ...schedulerService, module: (config: AppConfig) => SchedulerModule.forRoot(config, this.options) };
  }

  /** Another scheduler replica on the same streams; the caller closes it. */
  startReplica(): Promise<RunningService> {
    return startService(this.definition(), this.config);
  }

  async stop(): Promise<void> {
    await this.scheduler?.app.close();
    this.scheduler = undefined;
  }

  async cleanup(): Promise<void> {
    await this.stop();
    await this.streams.cleanup();
  }

  command(jobId: string, command: JobCommand): Promise<HandleResult<JobState, JobEvent>> {
    return handleCommand(this.streams.store, { type: 'job', id: jobId }, jobDecider, command);
  }

  createJob(jobId: string, fields: { executor?: Executor; priority?: Priority; chunked?: boolean } = {}): Promise<HandleResult<JobState, JobEvent>> {
    return this.command(jobId, {
      type: 'CreateJob',
      jobId,
      sourceAssetId: 'asset-1',
      presetId: 'builtin-h264-720p',
      outputFilename: `${jobId}.mp4`,
      executor: fields.executor ?? Executor.UNSPECIFIED,
      chunked: fields.chunked ?? false,
      priority: fields.priority ?? Priority.NORMAL,
    });
  }

  /** What a transcoder does on receiving the item. */
  startJob(jobId: string, workerId = 'worker-1'): Promise<HandleResult<JobState, JobEvent>> {
    return this.command(jobId, { type: 'StartJob', jobId, workerId, executor: Executor.LOCAL });
  }

  job(jobId: string): Promise<JobView> {
    return loadJobView(this.streams.store, jobId);
  }

  async jobUntil(jobId: string, done: (state: JobState) => boolean, timeoutMs = 10_000): Promise<JobView> {
    return waitFor(`job ${jobId} to reach the state asked for`, () => this.job(jobId), {
      done: (job) => done(job.state),
      timeoutMs,
      describe: (job) => `${job.state.status} attempt ${job.state.attempt}`,
    });
  }

  /** Every item in MPR_WORK, read without consuming (the stream keeps them until a transcoder acks). */
  async workItems(): Promise<QueuedWork[]> {
    const { state } = await this.jsm.streams.info(this.streams.names.work);
    const items: QueuedWork[] = [];
    if (state.messages === 0) return items;
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const msg = await this.jsm.streams.getMessage(this.streams.names.work, { seq }).catch(() => null);
      if (msg) items.push({ subject: msg.subject, item: fromJsonString(TranscodeWorkItemSchema, msg.string()) });
    }
    return items;
  }

  async workItemsFor(jobId: string): Promise<QueuedWork[]> {
    return (await this.workItems()).filter((w) => w.item.jobId === jobId);
  }

  async workUntil(jobId: string, count: number, timeoutMs = 10_000): Promise<QueuedWork[]> {
    return waitFor(`${count} work items for ${jobId}`, () => this.workItemsFor(jobId), {
      done: (items) => items.length >= count,
      timeoutMs,
      describe: (items) => `${items.length}`,
    });
  }

  /**
   * Resolves once the scheduler has handled every job event appended so far:
   * it handles them in order, so a job created now being queued proves it.
   */
  async drained(): Promise<void> {
    const sentinel = `sentinel-${++this.sentinels}`;
    await this.createJob(sentinel);
    await this.workUntil(sentinel, 1);
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  /** Failures the retry policy has left FAILED for `reason` (mpr_scheduler_retries_refused_total). */
  async retriesRefused(reason: 'not-retryable' | 'exhausted'): Promise<number> {
    return metricValue(await this.metrics(), 'mpr_scheduler_retries_refused_total', { reason }) ?? 0;
  }

  /** Waits until the policy has refused `count` retries for `reason`: the proof that it decided on the failure, not a pause. */
  retriesRefusedUntil(reason: 'not-retryable' | 'exhausted', count: number): Promise<number> {
    return waitFor(`${count} retries refused as ${reason}`, () => this.retriesRefused(reason), { done: (n) => n >= count, describe: (n) => `${n}` });
  }
}

/** A job's events and the state they fold to, read from the log. */
export async function loadJobView(store: EventStore, jobId: string): Promise<JobView> {
  const { events } = await store.load({ type: 'job', id: jobId });
  const stored = events as StoredEvent<JobEvent>[];
  return {
    state: fold(
      jobDecider,
      stored.map((e) => e.event),
    ),
    events: stored,
  };
}

/** Reads a metric's value from Prometheus text, e.g. metricValue(text, 'mpr_jobs', { state: 'failed' }). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}
