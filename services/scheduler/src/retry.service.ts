import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  assertNever,
  type Decider,
  EventStore,
  handleCommand,
  IllegalTransition,
  type JobCommand,
  jobDecider,
  type JobEvent,
  type JobState,
  NotFound,
} from '@mpr/core';
import { decideRetry } from './retry.policy';
import { SchedulerMetrics } from './scheduler.metrics';
import { SCHEDULER_OPTIONS, type SchedulerOptions } from './scheduler.options';

export interface JobFailure {
  jobId: string;
  attempt: number;
  retryable: boolean;
  failedAt: Date;
}

/** 'recheck': look at this failure again after the delay (the backoff is not over). */
export type FailureOutcome = { kind: 'done' } | { kind: 'recheck'; delayMs: number };

const DONE: FailureOutcome = { kind: 'done' };

/** Applies the retry policy to failed attempts. */
@Injectable()
export class RetryService {
  private readonly logger = new Logger(RetryService.name);

  constructor(
    private readonly store: EventStore,
    private readonly metrics: SchedulerMetrics,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
  ) {}

  async onFailure(failure: JobFailure, now: Date): Promise<FailureOutcome> {
    const { jobId, attempt } = failure;
    const decision = decideRetry(failure, now, this.options);
    switch (decision.kind) {
      case 'not-retryable':
        this.metrics.retriesRefused.inc({ reason: decision.kind });
        return DONE;
      case 'exhausted':
        this.metrics.retriesRefused.inc({ reason: decision.kind });
        this.logger.warn(`job ${jobId} failed on attempt ${attempt} of ${this.options.maxAttempts}: it stays FAILED`);
        return DONE;
      case 'wait':
        return { kind: 'recheck', delayMs: decision.delayMs };
      case 'retry-now':
        await this.retry(jobId, attempt);
        return DONE;
      default:
        return assertNever(decision);
    }
  }

  /**
   * The command id makes a redelivered failure find its retry already in the
   * log; the attempt guard keeps an old failure from retrying a job that a
   * person has retried (and that may have failed again) since.
   */
  private async retry(jobId: string, attempt: number): Promise<void> {
    try {
      const result = await handleCommand(
        this.store,
        { type: 'job', id: jobId },
        onlyWhileAttempt(attempt),
        { type: 'RetryJob', jobId, automatic: true },
        { commandId: `retry-${jobId}-${attempt}` },
      );
      if (result.replayed) return;
      this.metrics.retries.inc();
      this.logger.log(`job ${jobId}: attempt ${attempt} failed, retrying as attempt ${attempt + 1}`);
    } catch (err) {
      // Retried or cancelled by someone else meanwhile: their decision stands.
      if (err instanceof IllegalTransition || err instanceof NotFound) {
        this.logger.debug(`job ${jobId}: automatic retry of attempt ${attempt} not needed: ${err.message}`);
        return;
      }
      throw err;
    }
  }
}

/** The job decider, refusing any command once the job has moved past `attempt`. */
function onlyWhileAttempt(attempt: number): Decider<JobCommand, JobEvent, JobState> {
  return {
    ...jobDecider,
    decide(command, state) {
      if (state.status !== 'NONE' && state.attempt !== attempt) {
        throw new IllegalTransition('job', state.jobId, state.status, 'retry', `attempt ${attempt} is no longer the current attempt ${state.attempt}`);
      }
      return jobDecider.decide(command, state);
    },
  };
}
