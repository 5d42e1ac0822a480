import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { JobEventsRepository } from '@mpr/core';
import { RunningAttempts } from './running-attempts';

/**
 * Stops an encode as soon as its attempt ends elsewhere: the job was
 * cancelled, or someone else failed the attempt (the scheduler's timeout,
 * another replica that took this worker for dead). Each replica hears every
 * job event, so the one running the job reacts within milliseconds.
 * Subscribed at module init, before any work is taken.
 */
@Injectable()
export class AttemptWatcher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AttemptWatcher.name);
  private subscription: { stop(): void } | undefined;

  constructor(
    private readonly events: JobEventsRepository,
    private readonly running: RunningAttempts,
  ) {}

  onModuleInit(): void {
    this.subscription = this.events.onJobEvents(
      ['JobCancelled', 'JobFailed'],
      (event) => {
        if (event.case === 'jobCancelled' && this.running.abort(event.value.jobId, event.value.attempt, 'cancelled')) {
          this.logger.log(`job ${event.value.jobId} attempt ${event.value.attempt} cancelled: stopping its encode`);
        }
        if (event.case === 'jobFailed' && this.running.abort(event.value.jobId, event.value.attempt, 'superseded')) {
          this.logger.warn(`job ${event.value.jobId} attempt ${event.value.attempt} was failed elsewhere: stopping its encode`);
        }
      },
      (err) => this.logger.warn(`job event not understood: ${err.message}`),
    );
  }

  onModuleDestroy(): void {
    this.subscription?.stop();
  }
}
