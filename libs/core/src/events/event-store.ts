import { headers as natsHeaders } from '@nats-io/nats-core';
import { DeliverPolicy, JetStreamApiCodes, JetStreamApiError, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { ConcurrencyConflict } from '../errors/domain.errors';
import { decodeEvent, encodeEvent } from './event.codec';
import { EventFollower, FOLLOW_PULL_EXPIRES_MS } from './event-follower';
import { type AggregateRef, type DomainEvent, eventTypeName, type StoredEvent } from './event.types';
import type { StreamNames } from './streams';

export const EVENT_TYPE_HEADER = 'Mpr-Event-Type';

/** `version` is the stream sequence of the aggregate's last event; 0 = none yet. */
export interface LoadedAggregate {
  events: StoredEvent[];
  version: number;
}

export interface AppendOptions {
  /** The version read before deciding; 0 demands a new aggregate. */
  expectedVersion: number;
  /** Shared by retries of one command: it makes their appends idempotent. */
  commandId: string;
  now: Date;
}

export interface EventSubscription extends AsyncIterable<StoredEvent> {
  stop(): Promise<void>;
}

/**
 * Domain events on JetStream: one subject per aggregate instance, optimistic
 * concurrency through Nats-Expected-Last-Subject-Sequence, idempotent retries
 * through Nats-Msg-Id. Works on nats-server 2.9, which has neither atomic
 * batches nor the wildcard variant of the expected-sequence header.
 */
export class EventStore {
  constructor(
    private readonly js: JetStreamClient,
    readonly names: StreamNames,
  ) {}

  /**
   * Appends events in order, each expecting the sequence of the one before,
   * with message ids derived from the command id: a command retried after a
   * lost ack finds its events already stored instead of writing them twice.
   * Returns the aggregate's new version.
   */
  async append(aggregate: AggregateRef, events: DomainEvent[], options: AppendOptions): Promise<number> {
    const subject = this.names.aggregateSubject(aggregate);
    let expected = options.expectedVersion;
    for (const [index, event] of events.entries()) {
      const id = `${options.commandId}-${index}`;
      const payload = encodeEvent(event, { id, aggregate, occurredAt: options.now, commandId: options.commandId });
      const headers = natsHeaders();
      headers.set(EVENT_TYPE_HEADER, eventTypeName(event));
      try {
        const ack = await this.js.publish(subject, payload, {
          msgID: id,
          expect: { lastSubjectSequence: expected },
          headers,
        });
        expected = ack.seq;
      } catch (err) {
        if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence) {
          throw new ConcurrencyConflict(subject, expected);
        }
        throw err;
      }
    }
    return expected;
  }

  async load(aggregate: AggregateRef): Promise<LoadedAggregate> {
    const subject = this.names.aggregateSubject(aggregate);
    const consumer = await this.js.consumers.get(this.names.events, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.All,
    });
    const events: StoredEvent[] = [];
    try {
      const { num_pending } = await consumer.info(true);
      while (events.length < num_pending) {
        const batch = await consumer.fetch({ max_messages: Math.min(num_pending - events.length, 256), expires: 5_000 });
        for await (const msg of batch) {
          events.push(toStoredEvent(msg));
          if (msg.info.pending === 0) break;
        }
      }
    } finally {
      // Not awaited: the answer is complete, and an ordered consumer left
      // behind expires by itself; a command should not wait a round trip for it.
      void consumer.delete().catch(() => undefined);
    }
    return { events, version: events.at(-1)?.sequence ?? 0 };
  }

  /**
   * Every event from `fromSequence` on, then live: what projections fold.
   * An ordered consumer underneath, replaced by a fresh one from the next
   * sequence whenever nats.js reports it lost (EventFollower); `onReopen` hears why.
   */
  async subscribe(fromSequence = 1, onReopen?: (reason: string, sequence: number) => void): Promise<EventSubscription> {
    const open = async (sequence: number) => {
      const consumer = await this.js.consumers.get(this.names.events, {
        filter_subjects: this.names.allEvents(),
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: Math.max(1, sequence),
      });
      return consumer.consume({ max_messages: 100, expires: FOLLOW_PULL_EXPIRES_MS });
    };
    const start = Math.max(1, fromSequence);
    return new EventFollower({ open, decode: toStoredEvent, onReopen }, await open(start), start);
  }
}

function toStoredEvent(msg: JsMsg): StoredEvent {
  const decoded = decodeEvent(msg.string());
  return {
    sequence: msg.seq,
    id: decoded.id,
    type: decoded.type,
    aggregate: decoded.aggregate,
    occurredAt: decoded.occurredAt,
    commandId: decoded.commandId,
    event: decoded.event,
  };
}
