import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { SequencedEvent } from '@mpr/contracts/events_pb';
import type { JobProgress } from '@mpr/contracts/job_pb';
import { isJobEvent, type JobColumns, jobColumnChange } from '@mpr/core/domain/job.columns';
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

/** The row a JobCreated makes (its asset's and preset's names come from `names`, when the page knows them). */
export function createdRow(at: JobEventAt, names: Pick<LiveJobRow, 'sourceAsset' | 'preset'>): LiveJobRow | undefined {
  if (at.event.case !== 'jobCreated') return undefined;
  const change = jobColumnChange(at.jobId, at.event, at.sequence, at.occurredAt);
  return change.kind === 'create' ? { ...liveColumns(change.row), fps: null, ...names } : undefined;
}

/**
 * A row as the API's job projection leaves it after `at`: both apply
 * `jobColumnChange` (libs/core), so a live row equals what a reload would
 * read. An event the row already shows (its version) changes nothing.
 */
export function applyJobEvent<R extends LiveJobRow>(row: R, at: JobEventAt): R {
  if (at.sequence <= row.version) return row;
  if (!isJobEvent(at.event)) return { ...row, version: at.sequence };
  const change = jobColumnChange(at.jobId, at.event, at.sequence, at.occurredAt);
  if (change.kind === 'create') return row;
  const next = { ...row, ...liveColumns(change.set) };
  if (change.progressAtLeast !== undefined) next.progress = Math.max(row.progress, change.progressAtLeast);
  // A new attempt has no live telemetry yet.
  if (change.set.status === 'pending') next.fps = null;
  return next;
}

/** The columns a live row shows (the page reads no worker, trim or output path from its list). */
function liveColumns<C extends Partial<JobColumns<string>>>(
  columns: C,
): Omit<C, 'sourceAssetId' | 'presetId' | 'trimStart' | 'trimEnd' | 'outputPath' | 'outputAssetId' | 'chunkDuration' | 'workerId'> {
  const { sourceAssetId: _a, presetId: _p, trimStart: _s, trimEnd: _e, outputPath: _o, outputAssetId: _oa, chunkDuration: _c, workerId: _w, ...live } = columns;
  return live;
}

/** Live progress of the attempt running now; a stale attempt's or an ended job's is ignored, as the API's progress projector does. */
export function applyProgress<R extends LiveJobRow>(row: R, progress: JobProgress): R {
  if (row.status !== 'processing' || row.attempt !== progress.attempt) return row;
  return { ...row, progress: progress.percent, speed: progress.speed, eta: progress.etaSeconds, fps: progress.fps };
}
