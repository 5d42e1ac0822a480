import { Inject, Injectable, Logger } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, jetstream, jetstreamManager, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeEvent, EventFollower, FOLLOW_PULL_EXPIRES_MS, type JobEvent, NATS_CONNECTION, type StoredEvent, StreamNames } from '@mpr/core';

/** The durable consumer every scheduler replica shares: each job event is handled by one of them. */
export const SCHEDULER_CONSUMER = 'scheduler';
/**
 * A second shared consumer, for what must not wait for a dispatch pause: telling cloud executions to stop. It
 * starts at its creation (DeliverPolicy.New): cancels logged before it existed had no execution to reach.
 */
export const CLOUD_STOPS_CONSUMER = 'scheduler-cloud-stops';

const NS_PER_MS = 1_000_000;
/** Handling one event takes milliseconds; a replica silent for this long has died and its events go to another. */
const ACK_WAIT_MS = 30_000;
/**
 * Events naked for a retry backoff stay ack-pending until they come back, so
 * this bounds how many failed jobs can wait for their retry at once.
 */
const MAX_ACK_PENDING = 10_000;
/**
 * Pulled ahead per replica. Small, so that replicas share the load and so
 * that few events wait out the ack wait when a replica stops with some in
 * its buffer (they are redelivered then, to any replica).
 */
const PULL_BATCH = 4;

/** One job event from the shared consumer, to be settled once handled. */
export interface EventDelivery {
  readonly event: StoredEvent<JobEvent>;
  /** 0 on the first delivery. */
  readonly redeliveries: number;
  ack(): void;
  /** Hands the event back to JetStream, which delivers it again (to any replica) after the delay. */
  redeliverIn(delayMs: number): void;
}

export interface DeliveryStream extends AsyncIterable<EventDelivery> {
  stop(): Promise<void>;
}

export interface ReplayedEvent {
  readonly event: StoredEvent<JobEvent>;
  /** True when no older job event remains unread: the replay has reached the present. */
  readonly caughtUp: boolean;
}

export interface ReplayFeed extends AsyncIterable<ReplayedEvent> {
  /** True when there was nothing to replay. */
  readonly caughtUpAtStart: boolean;
  stop(): Promise<void>;
}

/** The job events of MPR_EVENTS, as the scheduler reads them: shared (durable) and replayed (ordered). */
@Injectable()
export class JobEventsRepository {
  private readonly logger = new Logger(JobEventsRepository.name);
  private readonly js: JetStreamClient;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly names: StreamNames,
  ) {
    this.js = jetstream(nc);
  }

  private get jobEventsSubject(): string {
    return `${this.names.subjectRoot}.events.job.>`;
  }

  /** Creates the shared consumer, or brings an existing one to the current limits; safe for replicas racing at boot. */
  async ensureSharedConsumer(name = SCHEDULER_CONSUMER): Promise<void> {
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    const limits = { ack_wait: ACK_WAIT_MS * NS_PER_MS, max_deliver: -1, max_ack_pending: MAX_ACK_PENDING };
    const exists = await jsm.consumers.info(this.names.events, name).then(
      () => true,
      (err: unknown) => {
        if ((err as { code?: number }).code === JetStreamApiCodes.ConsumerNotFound) return false;
        throw err;
      },
    );
    if (exists) {
      await jsm.consumers.update(this.names.events, name, limits);
      return;
    }
    await jsm.consumers.add(this.names.events, {
      durable_name: name,
      filter_subject: this.jobEventsSubject,
      ack_policy: AckPolicy.Explicit,
      // From the beginning on first creation: jobs created before the first scheduler ran are dispatched too.
      deliver_policy: name === CLOUD_STOPS_CONSUMER ? DeliverPolicy.New : DeliverPolicy.All,
      ...limits,
    });
  }

  /** Job events not acked yet: not delivered (num_pending) or delivered and not settled (num_ack_pending). */
  async unhandled(): Promise<number> {
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    const info = await jsm.consumers.info(this.names.events, SCHEDULER_CONSUMER);
    return info.num_pending + info.num_ack_pending;
  }

  /** Ends (with an error) if the consumer or stream disappears, so the caller can create it again. */
  async consumeShared(name = SCHEDULER_CONSUMER): Promise<DeliveryStream> {
    const consumer = await this.js.consumers.get(this.names.events, name);
    const messages = await consumer.consume({ max_messages: PULL_BATCH, abort_on_missing_resource: true });
    const decode = (msg: JsMsg) => this.decode(msg);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const msg of messages) {
          const event = decode(msg);
          if (!event) {
            msg.term();
            continue;
          }
          yield {
            event,
            redeliveries: msg.info.deliveryCount - 1,
            ack: () => msg.ack(),
            redeliverIn: (delayMs: number) => msg.nak(Math.max(1, Math.ceil(delayMs))),
          };
        }
      },
      async stop() {
        await messages.close();
      },
    };
  }

  /** Every job event from `fromSequence` on, then live; a lost consumer is replaced from the next sequence (EventFollower). */
  async replay(fromSequence = 1): Promise<ReplayFeed> {
    const open = async (sequence: number) => {
      const consumer = await this.js.consumers.get(this.names.events, {
        filter_subjects: this.jobEventsSubject,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: Math.max(1, sequence),
      });
      return { consumer, messages: await consumer.consume({ max_messages: 100, expires: FOLLOW_PULL_EXPIRES_MS }) };
    };
    const start = Math.max(1, fromSequence);
    const first = await open(start);
    const { num_pending } = await first.consumer.info(true);
    const follower = new EventFollower<ReplayedEvent>(
      {
        open: async (sequence) => (await open(sequence)).messages,
        decode: (msg) => {
          const event = this.decode(msg);
          return event && { event, caughtUp: msg.info.pending === 0 };
        },
        onReopen: (reason, sequence) => this.logger.warn(`replaying job events from ${sequence} on a new consumer (${reason})`),
      },
      first.messages,
      start,
    );
    return {
      caughtUpAtStart: num_pending === 0,
      [Symbol.asyncIterator]: () => follower[Symbol.asyncIterator](),
      stop: () => follower.stop(),
    };
  }

  /** An event this build cannot read is logged and skipped: redelivering it would not help. */
  private decode(msg: JsMsg): StoredEvent<JobEvent> | undefined {
    try {
      return { sequence: msg.seq, ...decodeEvent(msg.string()) } as StoredEvent<JobEvent>;
    } catch (err) {
      this.logger.error(`event ${msg.seq} on ${msg.subject} cannot be read, skipped: ${(err as Error).message}`);
      return undefined;
    }
  }
}
