import type { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { JobEventsRepository } from './job-events.repository';

/** How an attempt ended elsewhere: cancelled, or failed by someone else (the scheduler's timeout, another replica). */
export type AttemptEndReason = 'cancelled' | 'superseded';

export interface AttemptEnd {
  jobId: string;
  attempt: number;
  reason: AttemptEndReason;
}

/**
 * Hears every JobCancelled and JobFailed as they are appended, from module
 * init (before any work is taken) to module destroy, so that the replica
 * running the attempt stops its work within milliseconds. Each service says
 * in `attemptEnded` what it stops.
 */
export abstract class AttemptEndWatcher implements OnModuleInit, OnModuleDestroy {
  private subscription: { stop(): void } | undefined;

  protected constructor(
    private readonly events: JobEventsRepository,
    protected readonly logger: Logger,
  ) {}

  protected abstract attemptEnded(end: AttemptEnd): void;

  onModuleInit(): void {
    this.subscription = this.events.onJobEvents(
      ['JobCancelled', 'JobFailed'],
      (event) => {
        if (event.case === 'jobCancelled') this.attemptEnded({ jobId: event.value.jobId, attempt: event.value.attempt, reason: 'cancelled' });
        if (event.case === 'jobFailed') this.attemptEnded({ jobId: event.value.jobId, attempt: event.value.attempt, reason: 'superseded' });
      },
      (err) => this.logger.warn(`job event not understood: ${err.message}`),
    );
  }

  onModuleDestroy(): void {
    this.subscription?.stop();
  }
}
