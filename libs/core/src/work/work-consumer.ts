import { AckPolicy, DeliverPolicy, JetStreamApiCodes, type JetStreamManager } from '@nats-io/jetstream';
import type { StreamNames } from '../events/streams';

const NS_PER_MS = 1_000_000;

/**
 * A durable pull consumer on MPR_WORK, shared by every replica of a service:
 * explicit acks; `ackWaitMs` is how long a silent worker keeps an item
 * (workers call working() well within it, so only a dead worker's item comes
 * back), `maxDeliver` bounds redeliveries. Created, or brought to these
 * limits when it exists (its filter cannot change).
 */
export async function ensureWorkConsumer(
  jsm: JetStreamManager,
  names: StreamNames,
  consumer: { name: string; subject: string; ackWaitMs: number; maxDeliver: number },
): Promise<void> {
  const limits = { ack_wait: consumer.ackWaitMs * NS_PER_MS, max_deliver: consumer.maxDeliver };
  const exists = await jsm.consumers.info(names.work, consumer.name).then(
    () => true,
    (err: unknown) => {
      if ((err as { code?: number }).code === JetStreamApiCodes.ConsumerNotFound) return false;
      throw err;
    },
  );
  if (exists) {
    await jsm.consumers.update(names.work, consumer.name, limits);
    return;
  }
  await jsm.consumers.add(names.work, {
    durable_name: consumer.name,
    filter_subject: consumer.subject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: 1_000,
    ...limits,
  });
}
