import { create, fromJsonString, type JsonObject } from '@bufbuild/protobuf';
import { timestampDate, timestampFromMs, timestampNow } from '@bufbuild/protobuf/wkt';
import { type Event, EventSchema, type SequencedEvent, SequencedEventSchema } from '@mpr/contracts/events_pb';
import {
  type ChunkPipelineStep,
  ChunkPipelineStepSchema,
  type Heartbeat,
  HeartbeatSchema,
  type SegmentProgress,
  SegmentProgressSchema,
  type WorkerPresence,
  WorkerPresenceSchema,
} from '@mpr/contracts/gateway_pb';
import { decodeJobProgress, type SegmentReport, segmentReportAttempt } from '@mpr/core';
import type { JobProgress } from '@mpr/contracts/job_pb';
import type { StreamMessage } from './stream-feed.repository';

/** Pure mappings from what NATS holds to the gateway's response messages. */

export function heartbeat(): Heartbeat {
  return create(HeartbeatSchema, { at: timestampNow() });
}

// A live message reaches every stream that watches it: decoded once, not once per stream.
const decodedEvents = new WeakMap<StreamMessage, SequencedEvent>();
const decodedProgress = new WeakMap<ProgressMessage, JobProgress>();

/** A job's progress as published (JSON), boxed so its decoding can be shared. */
export interface ProgressMessage {
  data: string;
}

export function sequencedEvent(msg: StreamMessage): SequencedEvent {
  let decoded = decodedEvents.get(msg);
  if (!decoded) {
    const event: Event = fromJsonString(EventSchema, msg.data, { ignoreUnknownFields: true });
    decoded = create(SequencedEventSchema, { sequence: BigInt(msg.sequence), event });
    decodedEvents.set(msg, decoded);
  }
  return decoded;
}

export function jobProgress(msg: ProgressMessage): JobProgress {
  let decoded = decodedProgress.get(msg);
  if (!decoded) {
    decoded = decodeJobProgress(msg.data);
    decodedProgress.set(msg, decoded);
  }
  return decoded;
}

/** `<root>.events.<type>.<id>` → `<type>`. */
export function aggregateTypeOf(subject: string): string {
  return subject.split('.')[2] ?? '';
}

/** A chunker telemetry message (`<prefix><step…>`, a JSON object) as a pipeline step. */
export function chunkPipelineStep(msg: StreamMessage, subjectPrefix: string): ChunkPipelineStep {
  const body = JSON.parse(msg.data) as JsonObject;
  const step = msg.subject.slice(subjectPrefix.length);
  const segment = /^segment\.(\d+)\./.exec(step);
  const at = typeof body.at === 'string' ? Date.parse(body.at) : NaN;
  return create(ChunkPipelineStepSchema, {
    jobId: typeof body.jobId === 'string' ? body.jobId : '',
    step,
    attempt: typeof body.attempt === 'number' ? body.attempt : 0,
    segmentIndex: segment ? Number(segment[1]) : undefined,
    workerId: typeof body.workerId === 'string' ? body.workerId : '',
    replicaId: typeof body.replicaId === 'string' ? body.replicaId : '',
    at: Number.isNaN(at) ? undefined : timestampFromMs(at),
    details: body,
    sequence: BigInt(msg.sequence),
  });
}

/** A segment report as published (JSON) with its subject, which names the attempt. */
export interface SegmentReportMessage {
  data: string;
  subject: string;
}

/** A worker's segment report as a SegmentProgress; undefined for what is not one (a report is a hint, never trusted blindly). */
export function segmentProgress(msg: SegmentReportMessage, jobId: string): SegmentProgress | undefined {
  const attempt = segmentReportAttempt(msg.subject);
  let report: Partial<SegmentReport>;
  try {
    report = JSON.parse(msg.data) as Partial<SegmentReport>;
  } catch {
    return undefined;
  }
  const { index, outTimeSeconds = 0, durationSeconds = 0, done = false, audio = false } = report;
  if (attempt === undefined || typeof index !== 'number' || !Number.isInteger(index) || index < 0) return undefined;
  if (typeof outTimeSeconds !== 'number' || typeof durationSeconds !== 'number') return undefined;
  const percent = done ? 100 : durationSeconds > 0 ? Math.min(100, Math.max(0, (outTimeSeconds / durationSeconds) * 100)) : 0;
  return create(SegmentProgressSchema, {
    jobId,
    attempt,
    segmentIndex: index,
    audio: audio === true,
    encodedSeconds: done && !audio ? durationSeconds : outTimeSeconds,
    durationSeconds,
    percent,
    done: done === true,
  });
}

export function workerPresence(msg: StreamMessage): WorkerPresence {
  return fromJsonString(WorkerPresenceSchema, msg.data, { ignoreUnknownFields: true });
}

export function expiresAtMs(presence: WorkerPresence): number {
  return presence.expiresAt ? timestampDate(presence.expiresAt).getTime() : 0;
}
