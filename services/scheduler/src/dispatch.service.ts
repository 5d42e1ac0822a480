import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  APP_CONFIG,
  type AppConfig,
  assetDecider,
  EventStore,
  executorName,
  type ExecutorName,
  fold,
  jobDecider,
  type JobEvent,
  type JobState,
  loadState,
  presetDecider,
  priorityClass,
  whyNotChunkable,
} from '@mpr/core';
import { CloudDispatchService } from './cloud/cloud-dispatch.service';
import { SchedulerMetrics } from './scheduler.metrics';
import { WorkRepository } from './work.repository';

/** Hands a pending job attempt to its executor. */
@Injectable()
export class DispatchService {
  private readonly logger = new Logger(DispatchService.name);

  constructor(
    private readonly store: EventStore,
    private readonly work: WorkRepository,
    private readonly cloud: CloudDispatchService,
    private readonly metrics: SchedulerMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Safe to run twice: the job is read again first (a cancelled or already
   * started attempt is left alone), the work item is deduplicated per attempt,
   * and a cloud attempt's start or failure has a deterministic command id.
   */
  async dispatch(jobId: string, attempt: number, queuedAt: Date): Promise<void> {
    const job = await this.currentState(jobId);
    if (job.status !== 'PENDING' || job.attempt !== attempt) {
      this.logger.debug(`job ${jobId} attempt ${attempt} not dispatched: the job is ${job.status} on attempt ${job.attempt}`);
      return;
    }
    const executor = this.executorFor(job);
    if (executor !== 'local') {
      // A cloud execution runs the one-shot entry, a single pass: the chunker's segments need its workers.
      if (job.chunked) this.logger.log(`job ${jobId} asked for chunking, but it runs on ${executor}: as a single pass`);
      if (await this.cloud.dispatch(job, executor)) this.metrics.dispatched.inc({ executor });
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

  private async currentState(jobId: string): Promise<JobState> {
    const { events } = await this.store.load({ type: 'job', id: jobId });
    return fold(
      jobDecider,
      events.map((e) => e.event as JobEvent),
    );
  }
}
