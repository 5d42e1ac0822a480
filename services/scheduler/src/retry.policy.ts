import type { SchedulerOptions } from './scheduler.options';

export type RetryPolicy = Pick<SchedulerOptions, 'maxAttempts' | 'retryBaseDelayMs' | 'retryMaxDelayMs'>;

export interface Failure {
  attempt: number;
  retryable: boolean;
  failedAt: Date;
}

export type RetryDecision = { kind: 'retry-now' } | { kind: 'wait'; delayMs: number } | { kind: 'not-retryable' } | { kind: 'exhausted' };

/** base × 2^(attempt-1), capped: 2 s, 4 s, 8 s … with the defaults. */
export function retryBackoffMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.retryMaxDelayMs, policy.retryBaseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * What to do about a failed attempt. The backoff runs from the failure's own
 * time, not from when the scheduler sees it, so a redelivery or a restart
 * does not start the wait over.
 */
export function decideRetry(failure: Failure, now: Date, policy: RetryPolicy): RetryDecision {
  if (!failure.retryable) return { kind: 'not-retryable' };
  if (failure.attempt >= policy.maxAttempts) return { kind: 'exhausted' };
  const dueAt = failure.failedAt.getTime() + retryBackoffMs(failure.attempt, policy);
  const delayMs = dueAt - now.getTime();
  return delayMs > 0 ? { kind: 'wait', delayMs } : { kind: 'retry-now' };
}
