import { Inject, Injectable } from '@nestjs/common';
import { DeliverPolicy, jetstream, type JetStreamClient, jetstreamManager, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { NATS_CONNECTION } from '@mpr/core';
import type { FeedSource } from './live/shared-feed';

/** A stored message as the gateway passes it on: where it sits in its stream, and its JSON payload. */
export interface StreamMessage {
  sequence: number;
  subject: string;
  data: string;
}

export interface ReplayRange {
  /** The first sequence wanted; ignored with `lastPerSubject`. */
  from?: number;
  /** Only the latest message of each subject (MPR_TELEMETRY's timelines). */
  lastPerSubject?: boolean;
  /** The last sequence wanted: what a live feed delivers starts after it. */
  upTo: number;
}

/**
 * The gateway's JetStream IO: replays with ordered consumers that live only
 * as long as one replay, live feeds that follow a stream from a sequence,
 * single reads by subject. Every consumer here is ephemeral and deleted when
 * its reader is done.
 */
@Injectable()
export class StreamFeedRepository {
  private readonly js: JetStreamClient;
  private jsm: Promise<JetStreamManager> | undefined;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {
    this.js = jetstream(nc);
  }

  private manager(): Promise<JetStreamManager> {
    // checkAPI off: the connection proved JetStream at boot; no account round trip per call.
    this.jsm ??= jetstreamManager(this.nc, { checkAPI: false });
    return this.jsm;
  }

  /** The stream's last sequence (0 when empty). */
  async lastSequence(stream: string): Promise<number> {
    const info = await (await this.manager()).streams.info(stream);
    return info.state.last_seq;
  }

  async lastMessage(stream: string, subject: string): Promise<StreamMessage | undefined> {
    const msg = await (await this.manager()).streams.getMessage(stream, { last_by_subj: subject });
    return msg ? { sequence: msg.seq, subject: msg.subject, data: msg.string() } : undefined;
  }

  /** The stored messages of `filter` in `range`, read only as fast as the caller takes them; ends early when `signal` aborts. */
  async *replay(stream: string, filter: string, range: ReplayRange, signal: AbortSignal): AsyncGenerator<StreamMessage> {
    if (signal.aborted || (!range.lastPerSubject && (range.from ?? 1) > range.upTo)) return;
    const consumer = await this.js.consumers.get(stream, {
      filter_subjects: filter,
      ...(range.lastPerSubject
        ? { deliver_policy: DeliverPolicy.LastPerSubject }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, range.from ?? 1) }),
    });
    try {
      if ((await consumer.info(true)).num_pending === 0) return;
      const messages = await consumer.consume({ max_messages: 256 });
      const close = () => void messages.close().catch(() => undefined);
      signal.addEventListener('abort', close, { once: true });
      try {
        for await (const msg of messages) {
          if (msg.seq > range.upTo) break;
          yield toMessage(msg);
          if (msg.seq === range.upTo || msg.info.pending === 0) break;
        }
      } finally {
        signal.removeEventListener('abort', close);
        await messages.close().catch(() => undefined);
      }
    } finally {
      await consumer.delete().catch(() => undefined);
    }
  }

  /** Every message of `filter` stored after `after`, handed to `emit` as it arrives, until stopped. */
  async follow(stream: string, filter: string, after: number, emit: (msg: StreamMessage) => void, fail: (err: Error) => void): Promise<FeedSource> {
    const consumer = await this.js.consumers.get(stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 });
    const messages = await consumer.consume();
    let stopped = false;
    void (async () => {
      for await (const msg of messages) emit(toMessage(msg));
      if (!stopped) fail(new Error(`${stream} feed of ${filter} ended`));
    })().catch((err: Error) => {
      if (!stopped) fail(err);
    });
    return {
      async stop() {
        stopped = true;
        await messages.close().catch(() => undefined);
        await consumer.delete().catch(() => undefined);
      },
    };
  }

  /**
   * Tells `listener` each time the connection to NATS is lost (false) or back
   * (true); it reconnects by itself (libs/core's connectNats retries forever).
   */
  watchConnection(listener: (up: boolean) => void): void {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect' || status.type === 'close') listener(false);
        else if (status.type === 'reconnect') listener(true);
      }
    })();
  }

  /** Core NATS: messages of `subject` (wildcards allowed) as published (no sequence), until stopped. */
  subscribe(subject: string, emit: (data: string, subject: string) => void): FeedSource {
    const subscription = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (!err) emit(msg.string(), msg.subject);
      },
    });
    return {
      stop: async () => {
        subscription.unsubscribe();
        await Promise.resolve();
      },
    };
  }
}

function toMessage(msg: JsMsg): StreamMessage {
  return { sequence: msg.seq, subject: msg.subject, data: msg.string() };
}
