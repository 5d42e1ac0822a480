import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EventStore, executorName, handleCommand, IllegalTransition, jobDecider, type JobEvent, NotFound, type StoredEvent } from '@mpr/core';
import { CloudDispatchService } from './cloud/cloud-dispatch.service';
import { JobEventsRepository, type ReplayFeed } from './job-events.repository';
import { JobTracker, type SilentJob } from './job.tracker';
import { ReopeningLoop } from './reopening.loop';
import { SchedulerMetrics } from './scheduler.metrics';
import { SCHEDULER_OPTIONS, type SchedulerOptions } from './scheduler.options';
import { TelemetryRepository } from './telemetry.repository';

/** Often enough that a stalled job is caught soon after its timeout, rarely enough to cost nothing. */
export function watchdogIntervalMs(heartbeatTimeoutMs: number): number {
  return Math.min(30_000, Math.max(250, heartbeatTimeoutMs / 4));
}

/**
 * Fails PROCESSING jobs whose worker went silent, as retryable, so that the
 * retry policy gives them another attempt instead of leaving them PROCESSING
 * forever. A job's heartbeat is its latest progress message on MPR_TELEMETRY
 * (or, before the first one, its JobStarted or last milestone).
 *
 * Every replica folds all job events (an ordered consumer from the start) and
 * checks them all; two replicas failing the same job append one event, since
 * the command id is deterministic and FailJob names the attempt.
 */
@Injectable()
export class WatchdogService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WatchdogService.name);
  private readonly replay: ReopeningLoop<ReplayFeed>;
  /** The last job event folded: a broken feed resumes after it. */
  private position = 0;
  /** Checks wait until the replay reaches the present: a half-folded history would flag jobs that finished long ago. */
  private caughtUp = false;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;

  constructor(
    events: JobEventsRepository,
    private readonly telemetry: TelemetryRepository,
    private readonly tracker: JobTracker,
    private readonly store: EventStore,
    private readonly metrics: SchedulerMetrics,
    private readonly cloud: CloudDispatchService,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
  ) {
    this.replay = new ReopeningLoop(
      'the job event replay',
      () => events.replay(this.position + 1),
      (feed) => this.follow(feed),
      this.logger,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.caughtUp = (await this.replay.start()).caughtUpAtStart;
    this.timer = setInterval(
      () => {
        if (this.caughtUp && !this.checking) this.checking = this.check(new Date()).finally(() => (this.checking = undefined));
      },
      watchdogIntervalMs(Math.min(this.options.heartbeatTimeoutMs, this.options.cloudDeadlineMs)),
    );
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.replay.stop();
    await this.checking;
  }

  private async follow(feed: ReplayFeed): Promise<void> {
    for await (const { event, caughtUp } of feed) {
      this.track(event);
      this.position = event.sequence;
      if (caughtUp && !this.caughtUp) {
        this.caughtUp = true;
        this.logger.debug(`job history replayed up to event ${event.sequence}`);
      }
    }
  }

  private track(event: StoredEvent<JobEvent>): void {
    try {
      this.tracker.apply(event);
    } catch (err) {
      // One event the decider cannot fold must not stop the watchdog (nor be read again forever).
      this.logger.error(`job event ${event.sequence} (${event.type}) not tracked: ${(err as Error).message}`);
    }
  }

  private async check(now: Date): Promise<void> {
    const timeoutMs = this.options.heartbeatTimeoutMs;
    const deadline = new Date(now.getTime() - timeoutMs);
    for (const suspect of this.tracker.silentSince(deadline)) {
      try {
        // Only jobs silent by the events alone are looked up: one read per job per timeout at most.
        const progress = await this.telemetry.latestProgress(suspect.jobId);
        if (progress) this.tracker.noteProgress(suspect.jobId, progress.attempt, progress.at);
        const job = this.tracker.get(suspect.jobId);
        if (job?.status !== 'PROCESSING' || job.attempt !== suspect.attempt || job.lastSeenAt >= deadline) continue;
        await this.failStalled({ jobId: suspect.jobId, ...job }, now);
      } catch (err) {
        this.logger.warn(`watchdog check of job ${suspect.jobId} failed: ${(err as Error).message}`);
      }
    }
    const cloudDeadline = new Date(now.getTime() - this.options.cloudDeadlineMs);
    for (const overdue of this.tracker.cloudStartedBefore(cloudDeadline)) {
      try {
        await this.failOverdue(overdue);
      } catch (err) {
        this.logger.warn(`deadline of job ${overdue.jobId} not enforced yet: ${(err as Error).message}`);
      }
    }
  }

  /** A cloud execution that never called back: the attempt fails as retryable, and the execution is stopped. */
  private async failOverdue(job: SilentJob): Promise<void> {
    const seconds = Math.round(this.options.cloudDeadlineMs / 1_000);
    const errorMessage = `no outcome from ${executorName(job.workerExecutor) ?? 'cloud'} execution ${job.workerId} within ${seconds} s of its start`;
    if (await this.failRetryable(job, errorMessage, `deadline-${job.jobId}-${job.attempt}`, new Date())) await this.cloud.stop(job.jobId, job.attempt);
  }

  private async failStalled(job: SilentJob, now: Date): Promise<void> {
    const silentSeconds = Math.round((now.getTime() - job.lastSeenAt.getTime()) / 1_000);
    await this.failRetryable(job, `no progress from worker ${job.workerId} for ${silentSeconds} s`, `watchdog-${job.jobId}-${job.attempt}`, now);
  }

  /** True if this replica appended the failure (another one may have, with the same command id). */
  private async failRetryable(job: SilentJob, errorMessage: string, commandId: string, now: Date): Promise<boolean> {
    try {
      const result = await handleCommand(
        this.store,
        { type: 'job', id: job.jobId },
        jobDecider,
        { type: 'FailJob', jobId: job.jobId, attempt: job.attempt, errorMessage, retryable: true },
        { commandId, now },
      );
      if (result.replayed) return false;
      this.metrics.stalled.inc();
      this.logger.warn(`job ${job.jobId} attempt ${job.attempt} failed: ${errorMessage}`);
      return true;
    } catch (err) {
      // Completed, failed or cancelled since the last event we folded: nothing is stalled.
      if (err instanceof IllegalTransition || err instanceof NotFound) return false;
      throw err;
    }
  }
}
