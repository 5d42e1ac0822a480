import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { SequencedEvent } from '@mpr/contracts/events_pb';
import type { JobProgress } from '@mpr/contracts/job_pb';
import { executorName, priorityClass } from '@mpr/core/domain/job.names';
import type { JobRowFragment } from '../graphql/generated';

/** A row of a live list: the API's fields, plus what only the live telemetry carries. */
export type LiveJobRow = JobRowFragment & { fps?: number | null };

/** A job event from the gateway, with its MPR_EVENTS sequence and time. */
export interface JobEventAt {
  jobId: string;
  sequence: number;
  occurredAt: string;
  event: NonNullable<SequencedEvent['event']>['data'];
}

export function jobEventAt(sequenced: SequencedEvent): JobEventAt | undefined {
  const envelope = sequenced.event;
  if (!envelope || envelope.aggregateType !== 'job') return undefined;
  return {
    jobId: envelope.aggregateId,
    sequence: Number(sequenced.sequence),
    occurredAt: (envelope.occurredAt ? timestampDate(envelope.occurredAt) : new Date()).toISOString(),
    event: envelope.data,
  };
}

/** The status a job event leaves its job in; undefined for events that keep it. */
export function statusAfter(event: JobEventAt['event']): LiveJobRow['status'] | undefined {
  switch (event.case) {
    case 'jobCreated':
    case 'jobRetried':
      return 'pending';
    case 'jobStarted':
      return 'processing';
    case 'jobCompleted':
      return 'completed';
    case 'jobFailed':
      return 'failed';
    case 'jobCancelled':
      return 'cancelled';
    default:
      return undefined;
  }
}

const NOT_STARTED = { progress: 0, speed: null, eta: null, fps: null, errorMessage: null, startedAt: null, completedAt: null } satisfies Partial<LiveJobRow>;

/** The row a JobCreated makes (its asset's and preset's names come from `names`, when the page knows them). */
export function createdRow(at: JobEventAt, names: Pick<LiveJobRow, 'sourceAsset' | 'preset'>): LiveJobRow | undefined {
  if (at.event.case !== 'jobCreated') return undefined;
  const e = at.event.value;
  return {
    id: e.jobId,
    status: 'pending',
    priority: priorityClass(e.priority),
    attempt: 1,
    executor: executorName(e.executor) ?? '',
    chunked: e.chunked,
    outputFilename: e.outputFilename,
    createdAt: at.occurredAt,
    queuedSequence: at.sequence,
    version: at.sequence,
    ...names,
    ...NOT_STARTED,
  };
}

/**
 * A row as the API's job projection (services/api/src/projections/job.projection.ts)
 * leaves it after `at`: the same columns changed the same way, so a live row
 * equals what a reload would read. An event the row already shows (its
 * version) changes nothing.
 */
export function applyJobEvent<R extends LiveJobRow>(row: R, at: JobEventAt): R {
  if (at.sequence <= row.version) return row;
  const { event } = at;
  const touch = { version: at.sequence };
  switch (event.case) {
    case 'jobStarted':
      return {
        ...row,
        status: 'processing',
        attempt: event.value.attempt,
        executor: executorName(event.value.executor) ?? '',
        startedAt: at.occurredAt,
        progress: 0,
        ...touch,
      };
    case 'jobProgressed':
      // Live telemetry may already be past this milestone: never move backwards.
      return { ...row, progress: Math.max(row.progress, event.value.percent), ...touch };
    case 'jobCompleted':
      return { ...row, status: 'completed', progress: 100, eta: 0, completedAt: at.occurredAt, ...touch };
    case 'jobFailed':
      return { ...row, status: 'failed', errorMessage: event.value.errorMessage, completedAt: at.occurredAt, eta: null, ...touch };
    case 'jobCancelled':
      return { ...row, status: 'cancelled', completedAt: at.occurredAt, eta: null, ...touch };
    case 'jobRetried':
      return { ...row, status: 'pending', attempt: event.value.attempt, queuedSequence: at.sequence, ...NOT_STARTED, ...touch };
    case 'jobPriorityChanged':
      return { ...row, priority: priorityClass(event.value.priority), ...touch };
    default:
      return { ...row, ...touch };
  }
}

/** Live progress of the attempt running now; a stale attempt's or an ended job's is ignored, as the API's progress projector does. */
export function applyProgress<R extends LiveJobRow>(row: R, progress: JobProgress): R {
  if (row.status !== 'processing' || row.attempt !== progress.attempt) return row;
  return { ...row, progress: progress.percent, speed: progress.speed, eta: progress.etaSeconds, fps: progress.fps };
}
