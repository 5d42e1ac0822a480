import { create, fromJsonString, toJsonString } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { Priority } from '@mpr/contracts/common_pb';
import {
  type ChunkJobWorkItem,
  ChunkJobWorkItemSchema,
  type ChunkSegmentWorkItem,
  ChunkSegmentWorkItemSchema,
} from '@mpr/contracts/work_pb';
import type { StreamNames } from '../events/streams';

/** The chunker's two queues on MPR_WORK: whole jobs for a coordinator, segments for the workers. */
export type ChunkQueue = 'job' | 'segment';

export function chunkSubject(names: StreamNames, queue: ChunkQueue): string {
  return names.workSubject(`chunk.${queue}`);
}

export function chunkConsumerName(queue: ChunkQueue): string {
  return `chunk-${queue}`;
}

const NS_PER_MS = 1_000_000;

/**
 * One durable pull consumer per queue, shared by every chunker replica.
 * `backoffMs` delays a nak'd segment's redelivery (see the segment worker).
 */
export async function ensureChunkConsumers(jsm: JetStreamManager, names: StreamNames, ackWaitMs: number, maxDeliver: number): Promise<void> {
  for (const queue of ['job', 'segment'] as const) {
    const config = {
      durable_name: chunkConsumerName(queue),
      filter_subject: chunkSubject(names, queue),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ackWaitMs * NS_PER_MS,
      max_deliver: maxDeliver,
      max_ack_pending: 1_000,
    };
    const exists = await jsm.consumers.info(names.work, config.durable_name).then(
      () => true,
      (err: unknown) => {
        if ((err as { code?: number }).code === 10014) return false;
        throw err;
      },
    );
    if (exists) await jsm.consumers.update(names.work, config.durable_name, { ack_wait: config.ack_wait, max_deliver: maxDeliver });
    else await jsm.consumers.add(names.work, config);
  }
}

/** Queues a chunked job's attempt for a coordinator; publishing the same attempt again is a no-op. */
export async function enqueueChunkJob(
  js: JetStreamClient,
  names: StreamNames,
  item: { jobId: string; attempt: number; priority: Priority; queuedAt: Date },
): Promise<void> {
  const message = create(ChunkJobWorkItemSchema, {
    jobId: item.jobId,
    attempt: item.attempt,
    priority: item.priority,
    queuedAt: timestampFromDate(item.queuedAt),
  });
  await js.publish(chunkSubject(names, 'job'), toJsonString(ChunkJobWorkItemSchema, message), { msgID: `${item.jobId}-${item.attempt}` });
}

/** Queues one segment of an attempt; message id `<jobId>-<attempt>-<index>`. */
export async function enqueueChunkSegment(js: JetStreamClient, names: StreamNames, item: Omit<ChunkSegmentWorkItem, '$typeName'>): Promise<void> {
  const message = create(ChunkSegmentWorkItemSchema, item);
  await js.publish(chunkSubject(names, 'segment'), toJsonString(ChunkSegmentWorkItemSchema, message), {
    msgID: `${item.jobId}-${item.attempt}-${item.index}`,
  });
}

export function decodeChunkJobItem(json: string): ChunkJobWorkItem {
  return fromJsonString(ChunkJobWorkItemSchema, json, { ignoreUnknownFields: true });
}

export function decodeChunkSegmentItem(json: string): ChunkSegmentWorkItem {
  return fromJsonString(ChunkSegmentWorkItemSchema, json, { ignoreUnknownFields: true });
}
