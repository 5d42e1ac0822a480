import { assertNever } from './decider';
import type { JobEvent } from './job.decider';
import { executorName, type PriorityClass, priorityClass } from './job.names';

/**
 * The columns of a job's read model as its events set them: the one home of
 * these rules, applied by the API's job projection (to PostgreSQL) and by the
 * dashboard's live rows (to what the page shows), so a live row equals what a
 * reload would read. Pure and browser-safe: it imports only types and
 * job.names. `T` is how the caller holds a time (a Date, an ISO string).
 */
export interface JobColumns<T> {
  id: string;
  sourceAssetId: string;
  presetId: string;
  status: 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';
  priority: PriorityClass;
  trimStart: number | null;
  trimEnd: number | null;
  outputFilename: string;
  outputPath: string | null;
  outputAssetId: string | null;
  attempt: number;
  executor: string;
  chunked: boolean;
  chunkDuration: number | null;
  progress: number;
  speed: number | null;
  eta: number | null;
  errorMessage: string | null;
  workerId: string | null;
  createdAt: T;
  startedAt: T | null;
  completedAt: T | null;
  /** The sequence of the JobCreated / JobRetried: a pending job's place in its priority class. */
  queuedSequence: number;
  /** The sequence of the last event applied. */
  version: number;
}

/** What one event does to a job's row. */
export type JobColumnChange<T> =
  /** A new row with every column. */
  | { kind: 'create'; row: JobColumns<T> }
  /** These columns set; `progressAtLeast`: progress raised to it, never lowered (live telemetry may be ahead of a milestone). */
  | { kind: 'update'; set: Partial<JobColumns<T>>; progressAtLeast?: number };

/** A pending attempt's run columns, as a new job and a retried one have them: nothing has run yet. */
function notStarted<T>(): Pick<JobColumns<T>, 'progress' | 'speed' | 'eta' | 'errorMessage' | 'workerId' | 'startedAt' | 'completedAt'> {
  return { progress: 0, speed: null, eta: null, errorMessage: null, workerId: null, startedAt: null, completedAt: null };
}

/** The change `event` (at stream sequence `sequence`, appended at `occurredAt`) makes to its job's row. */
export function jobColumnChange<T>(jobId: string, event: JobEvent, sequence: number, occurredAt: T): JobColumnChange<T> {
  const touch = { version: sequence };
  switch (event.case) {
    case 'jobCreated': {
      const e = event.value;
      return {
        kind: 'create',
        row: {
          id: jobId,
          sourceAssetId: e.sourceAssetId,
          presetId: e.presetId,
          status: 'pending',
          priority: priorityClass(e.priority),
          trimStart: e.trimStart ?? null,
          trimEnd: e.trimEnd ?? null,
          outputFilename: e.outputFilename,
          outputPath: null,
          outputAssetId: null,
          attempt: 1,
          executor: executorName(e.executor) ?? '',
          chunked: e.chunked,
          chunkDuration: e.chunkDuration ?? null,
          createdAt: occurredAt,
          queuedSequence: sequence,
          ...notStarted<T>(),
          ...touch,
        },
      };
    }
    case 'jobStarted':
      return {
        kind: 'update',
        set: {
          status: 'processing',
          attempt: event.value.attempt,
          workerId: event.value.workerId,
          executor: executorName(event.value.executor) ?? '',
          startedAt: occurredAt,
          progress: 0,
          ...touch,
        },
      };
    case 'jobProgressed':
      return { kind: 'update', set: touch, progressAtLeast: event.value.percent };
    case 'jobCompleted':
      return {
        kind: 'update',
        set: {
          status: 'completed',
          progress: 100,
          eta: 0,
          outputPath: event.value.outputPath,
          outputAssetId: event.value.outputAssetId || null,
          completedAt: occurredAt,
          ...touch,
        },
      };
    case 'jobFailed':
      return { kind: 'update', set: { status: 'failed', errorMessage: event.value.errorMessage, completedAt: occurredAt, eta: null, ...touch } };
    case 'jobCancelled':
      return { kind: 'update', set: { status: 'cancelled', completedAt: occurredAt, eta: null, ...touch } };
    case 'jobRetried':
      return { kind: 'update', set: { status: 'pending', attempt: event.value.attempt, queuedSequence: sequence, ...notStarted<T>(), ...touch } };
    case 'jobPriorityChanged':
      return { kind: 'update', set: { priority: priorityClass(event.value.priority), ...touch } };
    default:
      return assertNever(event);
  }
}

// A Record, so a job event added to the decider fails to compile here until listed.
const JOB_EVENT_CASES: Record<JobEvent['case'], true> = {
  jobCreated: true,
  jobStarted: true,
  jobProgressed: true,
  jobCompleted: true,
  jobFailed: true,
  jobCancelled: true,
  jobRetried: true,
  jobPriorityChanged: true,
};

/** Whether an envelope's data is one of the job's events. */
export function isJobEvent(event: { case: string | undefined }): event is JobEvent {
  return event.case !== undefined && Object.hasOwn(JOB_EVENT_CASES, event.case);
}
