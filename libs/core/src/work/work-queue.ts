import { create, fromJsonString, toJsonString } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { Priority } from '@mpr/contracts/common_pb';
import { type TranscodeWorkItem, TranscodeWorkItemSchema } from '@mpr/contracts/work_pb';
import type { StreamNames } from '../events/streams';

/**
 * Priority classes, drained in this order. nats-server 2.9 refuses two
 * consumers with overlapping filters on a work-queue stream, so each class
 * has its own subject and its own durable consumer, shared by every replica.
 */
export const PRIORITY_CLASSES = ['high', 'normal', 'low'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

export function priorityClass(priority: Priority): PriorityClass {
  switch (priority) {
    case Priority.HIGH:
      return 'high';
    case Priority.LOW:
      return 'low';
    default:
      return 'normal';
  }
}

export function transcodeSubject(names: StreamNames, cls: PriorityClass): string {
  return names.workSubject(`transcode.${cls}`);
}

export function transcodeConsumerName(cls: PriorityClass): string {
  return `transcode-${cls}`;
}

const NS_PER_MS = 1_000_000;

/**
 * Durable pull consumers, one per class. `ackWaitMs` is how long a silent
 * worker keeps an item: workers call working() well within it, so only a
 * dead worker's item comes back.
 */
export async function ensureTranscodeConsumers(jsm: JetStreamManager, names: StreamNames, ackWaitMs: number, maxDeliver = 5): Promise<void> {
  for (const cls of PRIORITY_CLASSES) {
    const config = {
      durable_name: transcodeConsumerName(cls),
      filter_subject: transcodeSubject(names, cls),
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

/** Queues one attempt of a job; publishing the same attempt again is a no-op. */
export async function enqueueTranscode(
  js: JetStreamClient,
  names: StreamNames,
  item: { jobId: string; attempt: number; priority: Priority; queuedAt: Date },
): Promise<void> {
  const message = create(TranscodeWorkItemSchema, {
    jobId: item.jobId,
    attempt: item.attempt,
    priority: item.priority,
    queuedAt: timestampFromDate(item.queuedAt),
  });
  await js.publish(transcodeSubject(names, priorityClass(item.priority)), toJsonString(TranscodeWorkItemSchema, message), {
    msgID: `${item.jobId}-${item.attempt}`,
  });
}

export function decodeWorkItem(msg: JsMsg): TranscodeWorkItem {
  return fromJsonString(TranscodeWorkItemSchema, msg.string(), { ignoreUnknownFields: true });
}
