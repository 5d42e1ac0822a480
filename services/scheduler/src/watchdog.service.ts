import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EventStore, handleCommand, IllegalTransition, jobDecider, type JobEvent, NotFound, type StoredEvent } from '@mpr/core';
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
    this.timer = setInterval(() => {
      if (this.caughtUp && !this.checking) this.checking = this.check(new Date()).finally(() => (this.checking = undefined));
    }, watchdogIntervalMs(this.options.heartbeatTimeoutMs));
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
  }

  private async failStalled(job: SilentJob, now: Date): Promise<void> {
    const silentSeconds = Math.round((now.getTime() - job.lastSeenAt.getTime()) / 1_000);
    const errorMessage = `no progress from worker ${job.workerId} for ${silentSeconds} s`;
    try {
      const result = await handleCommand(
        this.store,
        { type: 'job', id: job.jobId },
        jobDecider,
        { type: 'FailJob', jobId: job.jobId, attempt: job.attempt, errorMessage, retryable: true },
        { commandId: `watchdog-${job.jobId}-${job.attempt}`, now },
      );
      if (result.replayed) return;
      this.metrics.stalled.inc();
      this.logger.warn(`job ${job.jobId} attempt ${job.attempt} failed: ${errorMessage}`);
    } catch (err) {
      // Completed, failed or cancelled since the last event we folded: nothing is stalled.
      if (err instanceof IllegalTransition || err instanceof NotFound) return;
      throw err;
    }
  }
}
