import { Executor } from '@mpr/contracts/common_pb';
import { evolveJob, initialJobState, type JobEvent, type JobStatusName, type StoredEvent } from '@mpr/core';

export type TrackedStatus = Exclude<JobStatusName, 'NONE'>;
export const TRACKED_STATUSES: readonly TrackedStatus[] = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'];

/** What the watchdog needs of a job: a slim slice of the decider's state. */
export interface TrackedJob {
  readonly status: TrackedStatus;
  readonly attempt: number;
  readonly workerId: string;
  /** Where the current attempt runs: a cloud one reports only through the API's callback, and has a deadline instead of heartbeats. */
  readonly workerExecutor: Executor;
  /** When the current attempt started (its JobStarted). */
  readonly startedAt: Date;
  /**
   * The last sign of life of the current attempt that the watchdog knows of:
   * JobStarted, a milestone, or a progress message it looked up.
   */
  readonly lastSeenAt: Date;
}

export interface SilentJob extends TrackedJob {
  readonly jobId: string;
}

/**
 * Every job's status, folded in memory from the job events with the job
 * decider's own `evolve` (so the rules live in one place). Each scheduler
 * replica keeps one; it feeds the watchdog and the mpr_jobs gauge.
 */
export class JobTracker {
  private readonly jobs = new Map<string, TrackedJob>();

  apply(stored: StoredEvent<JobEvent>): void {
    const jobId = stored.aggregate.id;
    const known = this.jobs.get(jobId);
    const before = known
      ? { ...initialJobState, status: known.status, attempt: known.attempt, workerId: known.workerId, workerExecutor: known.workerExecutor }
      : initialJobState;
    const after = evolveJob(before, stored.event);
    if (after.status === 'NONE') return;
    const startsLife = stored.event.case === 'jobStarted' || stored.event.case === 'jobProgressed';
    this.jobs.set(jobId, {
      status: after.status,
      attempt: after.attempt,
      workerId: after.workerId,
      workerExecutor: after.workerExecutor,
      startedAt: stored.event.case === 'jobStarted' || !known ? stored.occurredAt : known.startedAt,
      lastSeenAt: startsLife || !known ? stored.occurredAt : known.lastSeenAt,
    });
  }

  /** A progress message of the current attempt moves its last sign of life forward. */
  noteProgress(jobId: string, attempt: number, at: Date): void {
    const job = this.jobs.get(jobId);
    if (job?.status === 'PROCESSING' && job.attempt === attempt && at > job.lastSeenAt) this.jobs.set(jobId, { ...job, lastSeenAt: at });
  }

  /** PROCESSING jobs of local workers not seen alive since `before`: candidates for a closer look. */
  silentSince(before: Date): SilentJob[] {
    return this.processing((job) => !runsInCloud(job) && job.lastSeenAt < before);
  }

  /** PROCESSING attempts on a cloud executor started before `before`. */
  cloudStartedBefore(before: Date): SilentJob[] {
    return this.processing((job) => runsInCloud(job) && job.startedAt < before);
  }

  private processing(matches: (job: TrackedJob) => boolean): SilentJob[] {
    const found: SilentJob[] = [];
    for (const [jobId, job] of this.jobs) {
      if (job.status === 'PROCESSING' && matches(job)) found.push({ jobId, ...job });
    }
    return found;
  }

  get(jobId: string): TrackedJob | undefined {
    return this.jobs.get(jobId);
  }

  countByStatus(): Record<TrackedStatus, number> {
    const counts = Object.fromEntries(TRACKED_STATUSES.map((s) => [s, 0])) as Record<TrackedStatus, number>;
    for (const job of this.jobs.values()) counts[job.status]++;
    return counts;
  }
}

export function runsInCloud(job: Pick<TrackedJob, 'workerExecutor'>): boolean {
  return job.workerExecutor === Executor.LAMBDA || job.workerExecutor === Executor.GCP;
}
