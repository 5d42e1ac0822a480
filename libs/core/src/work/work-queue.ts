import { create, fromJsonString, toJsonString } from '@bufbuild/protobuf';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { type TranscodeWorkItem, TranscodeWorkItemSchema } from '@mpr/contracts/work_pb';
import { PRIORITY_CLASSES, type PriorityClass, priorityClass } from '../domain/job.names';
import type { StreamNames } from '../events/streams';
import { attemptItem, type QueuedAttempt } from './attempt-item';
import { ensureWorkConsumer } from './work-consumer';

export function transcodeSubject(names: StreamNames, cls: PriorityClass): string {
  return names.workSubject(`transcode.${cls}`);
}

export function transcodeConsumerName(cls: PriorityClass): string {
  return `transcode-${cls}`;
}

/**
 * Durable pull consumers, one per class, shared by every replica (see
 * ensureWorkConsumer for what the limits mean).
 */
export async function ensureTranscodeConsumers(jsm: JetStreamManager, names: StreamNames, ackWaitMs: number, maxDeliver = 5): Promise<void> {
  for (const cls of PRIORITY_CLASSES) {
    await ensureWorkConsumer(jsm, names, { name: transcodeConsumerName(cls), subject: transcodeSubject(names, cls), ackWaitMs, maxDeliver });
  }
}

/** Queues one attempt of a job; publishing the same attempt again is a no-op. */
export async function enqueueTranscode(js: JetStreamClient, names: StreamNames, item: QueuedAttempt): Promise<void> {
  const { fields, msgID } = attemptItem(item);
  await js.publish(transcodeSubject(names, priorityClass(item.priority)), toJsonString(TranscodeWorkItemSchema, create(TranscodeWorkItemSchema, fields)), {
    msgID,
  });
}

export function decodeWorkItem(msg: JsMsg): TranscodeWorkItem {
  return fromJsonString(TranscodeWorkItemSchema, msg.string(), { ignoreUnknownFields: true });
}
