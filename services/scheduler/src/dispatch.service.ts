import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  APP_CONFIG,
  type AppConfig,
  assetDecider,
  EventStore,
  executorName,
  type ExecutorName,
  fold,
  handleCommand,
  IllegalTransition,
  jobDecider,
  type JobEvent,
  type JobState,
  loadState,
  NotFound,
  presetDecider,
  priorityClass,
  whyNotChunkable,
} from '@mpr/core';
import { SchedulerMetrics } from './scheduler.metrics';
import { WorkRepository } from './work.repository';

/** The executors this build can hand a job to; the cloud ones arrive with their own issue. */
const AVAILABLE_EXECUTORS: ReadonlySet<ExecutorName> = new Set(['local']);

/** Hands a pending job attempt to its executor. */
@Injectable()
export class DispatchService {
  private readonly logger = new Logger(DispatchService.name);

  constructor(
    private readonly store: EventStore,
    private readonly work: WorkRepository,
    private readonly metrics: SchedulerMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Safe to run twice: the job is read again first (a cancelled or already
   * started attempt is left alone), the work item is deduplicated per attempt,
   * and the failure of an unavailable executor has a deterministic command id.
   */
  async dispatch(jobId: string, attempt: number, queuedAt: Date): Promise<void> {
    const job = await this.currentState(jobId);
    if (job.status !== 'PENDING' || job.attempt !== attempt) {
      this.logger.debug(`job ${jobId} attempt ${attempt} not dispatched: the job is ${job.status} on attempt ${job.attempt}`);
      return;
    }
    const executor = this.executorFor(job);
    if (!AVAILABLE_EXECUTORS.has(executor)) {
      await this.failUnavailable(jobId, attempt, executor);
      return;
    }
    const notChunkable = job.chunked ? await this.whyNotChunkable(job) : undefined;
    if (notChunkable) this.logger.log(`job ${jobId} asked for chunking, but ${notChunkable}: it runs as a single pass`);
    if (job.chunked && !notChunkable) {
      // The chunker's coordinator splits it into segments that workers of every chunker replica share.
      await this.work.enqueueChunkJob({ jobId, attempt, priority: job.priority, queuedAt });
      this.metrics.dispatched.inc({ executor });
      this.logger.debug(`job ${jobId} attempt ${attempt} queued for the chunker`);
      return;
    }
    await this.work.enqueueTranscode({ jobId, attempt, priority: job.priority, queuedAt });
    this.metrics.dispatched.inc({ executor });
    this.logger.debug(`job ${jobId} attempt ${attempt} queued for local transcoders (${priorityClass(job.priority)} priority)`);
  }

  /** `chunked` is a request for speed: a job with nothing to encode in parallel runs as a single pass rather than failing. */
  private async whyNotChunkable(job: JobState): Promise<string | undefined> {
    const [{ state: preset }, { state: source }] = await Promise.all([
      loadState(this.store, { type: 'preset', id: job.presetId }, presetDecider),
      loadState(this.store, { type: 'asset', id: job.sourceAssetId }, assetDecider),
    ]);
    return whyNotChunkable(preset.status === 'NONE' ? undefined : preset.settings, source.probe);
  }

  /** The job's own choice, else the deployment's default (MPR_EXECUTOR). */
  private executorFor(job: JobState): ExecutorName {
    return executorName(job.executor) ?? this.config.MPR_EXECUTOR;
  }

  /** A clear, final failure rather than a job that waits forever for an executor that is not there. */
  private async failUnavailable(jobId: string, attempt: number, executor: ExecutorName): Promise<void> {
    const errorMessage = `executor "${executor}" is not available yet in this build`;
    try {
      await handleCommand(
        this.store,
        { type: 'job', id: jobId },
        jobDecider,
        { type: 'FailJob', jobId, attempt, errorMessage, retryable: false },
        { commandId: `dispatch-${jobId}-${attempt}` },
      );
      this.logger.warn(`job ${jobId} failed: ${errorMessage}`);
    } catch (err) {
      // Cancelled (or otherwise decided) in the meantime: nothing left to fail.
      if (err instanceof IllegalTransition || err instanceof NotFound) return;
      throw err;
    }
  }

  private async currentState(jobId: string): Promise<JobState> {
    const { events } = await this.store.load({ type: 'job', id: jobId });
    return fold(
      jobDecider,
      events.map((e) => e.event as JobEvent),
    );
  }
}
