import { create, fromJsonString, type JsonObject } from '@bufbuild/protobuf';
import { timestampDate, timestampFromMs, timestampNow } from '@bufbuild/protobuf/wkt';
import { type Event, EventSchema, type SequencedEvent, SequencedEventSchema } from '@mpr/contracts/events_pb';
import {
  type ChunkPipelineStep,
  ChunkPipelineStepSchema,
  type Heartbeat,
  HeartbeatSchema,
  type WorkerPresence,
  WorkerPresenceSchema,
} from '@mpr/contracts/gateway_pb';
import type { StreamMessage } from './stream-feed.repository';

/** Pure mappings from what NATS holds to the gateway's response messages. */

export function heartbeat(): Heartbeat {
  return create(HeartbeatSchema, { at: timestampNow() });
}

export function sequencedEvent(msg: StreamMessage): SequencedEvent {
  const event: Event = fromJsonString(EventSchema, msg.data, { ignoreUnknownFields: true });
  return create(SequencedEventSchema, { sequence: BigInt(msg.sequence), event });
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

export function workerPresence(msg: StreamMessage): WorkerPresence {
  return fromJsonString(WorkerPresenceSchema, msg.data, { ignoreUnknownFields: true });
}

export function expiresAtMs(presence: WorkerPresence): number {
  return presence.expiresAt ? timestampDate(presence.expiresAt).getTime() : 0;
}
