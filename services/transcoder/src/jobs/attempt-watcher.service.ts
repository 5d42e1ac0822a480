import { Injectable, Logger } from '@nestjs/common';
import { type AttemptEnd, AttemptEndWatcher, JobEventsRepository } from '@mpr/core';
import { RunningAttempts } from './running-attempts';

/**
 * Stops an encode as soon as its attempt ends elsewhere: the job was
 * cancelled, or someone else failed the attempt (the scheduler's timeout,
 * another replica that took this worker for dead).
 */
@Injectable()
export class AttemptWatcher extends AttemptEndWatcher {
  constructor(
    events: JobEventsRepository,
    private readonly running: RunningAttempts,
  ) {
    super(events, new Logger(AttemptWatcher.name));
  }

  protected attemptEnded({ jobId, attempt, reason }: AttemptEnd): void {
    if (!this.running.abort(jobId, attempt, reason)) return;
    if (reason === 'cancelled') this.logger.log(`job ${jobId} attempt ${attempt} cancelled: stopping its encode`);
    else this.logger.warn(`job ${jobId} attempt ${attempt} was failed elsewhere: stopping its encode`);
  }
}
