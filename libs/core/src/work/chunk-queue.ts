import { create, fromJsonString, toJsonString } from '@bufbuild/protobuf';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { type ChunkJobWorkItem, ChunkJobWorkItemSchema, type ChunkSegmentWorkItem, ChunkSegmentWorkItemSchema } from '@mpr/contracts/work_pb';
import type { StreamNames } from '../events/streams';
import { attemptItem, type QueuedAttempt } from './attempt-item';
import { ensureWorkConsumer } from './work-consumer';

/** The chunker's two queues on MPR_WORK: whole jobs for a coordinator, segments for the workers. */
export type ChunkQueue = 'job' | 'segment';

export function chunkSubject(names: StreamNames, queue: ChunkQueue): string {
  return names.workSubject(`chunk.${queue}`);
}

export function chunkConsumerName(queue: ChunkQueue): string {
  return `chunk-${queue}`;
}

/**
 * One durable pull consumer per queue, shared by every chunker replica (see
 * ensureWorkConsumer for what the limits mean).
 */
export async function ensureChunkConsumers(jsm: JetStreamManager, names: StreamNames, ackWaitMs: number, maxDeliver: number): Promise<void> {
  for (const queue of ['job', 'segment'] as const) {
    await ensureWorkConsumer(jsm, names, { name: chunkConsumerName(queue), subject: chunkSubject(names, queue), ackWaitMs, maxDeliver });
  }
}

/** Queues a chunked job's attempt for a coordinator; publishing the same attempt again is a no-op. */
export async function enqueueChunkJob(js: JetStreamClient, names: StreamNames, item: QueuedAttempt): Promise<void> {
  const { fields, msgID } = attemptItem(item);
  await js.publish(chunkSubject(names, 'job'), toJsonString(ChunkJobWorkItemSchema, create(ChunkJobWorkItemSchema, fields)), { msgID });
}

/** Queues one segment of an attempt; message id `<jobId>-<attempt>-<index>`. */
export async function enqueueChunkSegment(js: JetStreamClient, names: StreamNames, item: Omit<ChunkSegmentWorkItem, '$typeName'>): Promise<void> {
  const message = create(ChunkSegmentWorkItemSchema, item);
  await js.publish(chunkSubject(names, 'segment'), toJsonString(ChunkSegmentWorkItemSchema, message), {
    msgID: `${item.jobId}-${item.attempt}-${item.audio ? 'audio' : item.index}`,
  });
}

export function decodeChunkJobItem(json: string): ChunkJobWorkItem {
  return fromJsonString(ChunkJobWorkItemSchema, json, { ignoreUnknownFields: true });
}

export function decodeChunkSegmentItem(json: string): ChunkSegmentWorkItem {
  return fromJsonString(ChunkSegmentWorkItemSchema, json, { ignoreUnknownFields: true });
}
