import type { ConsumerMessages, ConsumerNotification, JsMsg } from '@nats-io/jetstream';

/**
 * How long one pull waits on the server. nats.js asks for idle heartbeats at
 * half of it and calls a consumer stalled after two missed ones, so a pull
 * that went nowhere shows within about this long (its default, 30 s, made it
 * 45 s).
 */
export const FOLLOW_PULL_EXPIRES_MS = 2_000;
const REOPEN_DELAYS_MS = [100, 250, 500, 1_000, 2_000, 5_000];

/**
 * What says the ordered consumer under a subscription has lost its way. nats.js
 * 3.4 recreates an ordered consumer itself after a gap (`reset`) or when the
 * server lost it, but keeps the old consumer's outstanding pull in its count:
 * the new consumer is asked for `max_messages` minus that (often 0-5
 * messages), delivers them and stalls again until heartbeats are missed —
 * the read models sat one event behind for 45 s at a time. A follower opens a
 * consumer of its own from the next sequence instead, with a fresh count.
 */
const LOST: ReadonlySet<ConsumerNotification['type']> = new Set([
  'reset',
  'ordered_consumer_recreated',
  'consumer_deleted',
  'consumer_not_found',
  'heartbeats_missed',
  // A pull that found no consumer to answer it: nats.js waits for missed heartbeats before it does anything.
  'no_responders',
]);

export interface EventFollowerOptions<T> {
  /** Opens an ordered consumer from `sequence` on. */
  open(sequence: number): Promise<ConsumerMessages>;
  /** What a message is to the reader; undefined: nothing to hand out (it is passed over, not read again). */
  decode(msg: JsMsg): T | undefined;
  /** Told when a consumer is replaced, and why. */
  onReopen?(reason: string, sequence: number): void;
}

/**
 * Every message of a stream from a sequence on, then live, in log order,
 * none twice and none skipped, whatever happens to the ordered consumer
 * underneath: a lost one is replaced by one that starts after the last
 * message handed out.
 */
export class EventFollower<T> implements AsyncIterable<T> {
  private next: number;
  private current?: ConsumerMessages;
  private stopped = false;
  private wakeFromDelay?: () => void;

  constructor(
    private readonly options: EventFollowerOptions<T>,
    first: ConsumerMessages,
    fromSequence: number,
  ) {
    this.current = first;
    this.next = fromSequence;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    let failures = 0;
    try {
      while (!this.stopped) {
        const messages = this.current ?? (await this.reopen(failures));
        if (!messages) {
          failures++;
          continue;
        }
        failures = 0;
        this.current = messages;
        const lost = this.watch(messages);
        try {
          for await (const msg of messages) {
            // A replaced consumer may hand out again what its predecessor had buffered.
            if (msg.seq < this.next) continue;
            this.next = msg.seq + 1;
            const item = this.options.decode(msg);
            if (item !== undefined) yield item;
          }
        } catch (err) {
          lost.reason ??= `the consumer failed: ${(err as Error).message}`;
        }
        this.current = undefined;
        if (!this.stopped) this.options.onReopen?.(lost.reason ?? 'the consumer ended', this.next);
      }
    } finally {
      // A reader that breaks out is done with it: nothing left open behind it.
      await this.stop();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeFromDelay?.();
    await this.current?.close();
  }

  /** Ends `messages` as soon as nats.js says its consumer went astray; the loop then opens a new one. */
  private watch(messages: ConsumerMessages): { reason?: string } {
    const lost: { reason?: string } = {};
    void (async () => {
      for await (const status of messages.status()) {
        if (!LOST.has(status.type)) continue;
        lost.reason ??= status.type;
        await messages.close();
        return;
      }
    })().catch(() => undefined);
    return lost;
  }

  private async reopen(failures: number): Promise<ConsumerMessages | undefined> {
    if (failures > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, REOPEN_DELAYS_MS[Math.min(failures - 1, REOPEN_DELAYS_MS.length - 1)]);
        this.wakeFromDelay = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeFromDelay = undefined;
    }
    if (this.stopped) return undefined;
    try {
      const messages = await this.options.open(this.next);
      if (this.stopped) await messages.close();
      return this.stopped ? undefined : messages;
    } catch (err) {
      this.options.onReopen?.(`opening a consumer failed: ${(err as Error).message}`, this.next);
      return undefined;
    }
  }
}
