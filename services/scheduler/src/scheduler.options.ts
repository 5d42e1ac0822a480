import type { AppConfig } from '@mpr/core';

/** The scheduler's policy knobs, resolved once from the configuration. */
export interface SchedulerOptions {
  /** Attempts a job gets for retryable failures (MPR_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Delay before the automatic retry of attempt 1; doubles per attempt. */
  retryBaseDelayMs: number;
  /** Ceiling of that doubling. */
  retryMaxDelayMs: number;
  /** A PROCESSING job silent this long is failed as retryable (MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS). */
  heartbeatTimeoutMs: number;
  /** A cloud attempt without an outcome this long after its start is failed as retryable and stopped (MPR_CLOUD_JOB_DEADLINE_SECONDS). */
  cloudDeadlineMs: number;
  /**
   * How long a replica's claim to start a Cloud Run attempt stands with no execution recorded under it before
   * another replica takes it over (its holder died between claiming and recording): longer than ListExecutions and
   * RunJob can take, with the client's own retries.
   */
  cloudDispatchLeaseMs: number;
}

export const SCHEDULER_OPTIONS = Symbol('SCHEDULER_OPTIONS');

/**
 * The retry backoff is fixed here rather than an environment variable: 2 s,
 * 4 s, 8 s … up to a minute suits transient worker failures. Tests pass a
 * shorter one through SchedulerModule.forRoot.
 */
export function schedulerOptions(config: AppConfig, overrides: Partial<SchedulerOptions> = {}): SchedulerOptions {
  return {
    maxAttempts: config.MPR_MAX_ATTEMPTS,
    retryBaseDelayMs: 2_000,
    retryMaxDelayMs: 60_000,
    heartbeatTimeoutMs: config.MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS * 1_000,
    cloudDeadlineMs: config.MPR_CLOUD_JOB_DEADLINE_SECONDS * 1_000,
    cloudDispatchLeaseMs: 120_000,
    ...overrides,
  };
}
