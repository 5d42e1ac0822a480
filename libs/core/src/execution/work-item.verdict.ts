import type { JobState } from '../domain/job.decider';

/**
 * What a work item asks of this replica, given the job's state:
 * `start` it; `mark-lost`: the attempt is PROCESSING and JetStream delivers
 * its item again, so the worker that had it died (or lost NATS for longer
 * than the ack wait); `drop` it, for `reason`.
 */
export type Verdict = { action: 'start' } | { action: 'mark-lost' } | { action: 'drop'; reason: string };

export interface ItemDelivery {
  readonly attempt: number;
  /** JetStream's count: 1 for a first delivery, more for a redelivery. */
  readonly deliveryCount: number;
}

export function verdictFor(job: JobState, item: ItemDelivery): Verdict {
  if (job.status === 'NONE') return { action: 'drop', reason: 'the job does not exist' };
  if (job.attempt !== item.attempt) return { action: 'drop', reason: `the job is on attempt ${job.attempt}` };
  switch (job.status) {
    case 'PENDING':
      return { action: 'start' };
    case 'PROCESSING':
      // A first delivery is a second item for the same attempt (queued again after the
      // dedupe window): its worker holds the other item and may well be alive.
      if (item.deliveryCount > 1) return { action: 'mark-lost' };
      return { action: 'drop', reason: `a duplicate item: the attempt runs on ${job.workerId}` };
    case 'COMPLETED':
    case 'FAILED':
    case 'CANCELLED':
      return { action: 'drop', reason: `the job is ${job.status}` };
  }
}
