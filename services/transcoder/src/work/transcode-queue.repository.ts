import { Inject, Injectable } from '@nestjs/common';
import { type Consumer, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { ensureTranscodeConsumers, NATS_CONNECTION, PRIORITY_CLASSES, type PriorityClass, StreamNames, transcodeConsumerName } from '@mpr/core';
import { TRANSCODER_SETTINGS, type TranscoderSettings } from '../transcoder.settings';
import type { Backlog } from './work-priority';

/** The shortest pull JetStream's client allows; also what a lost race for an item costs. */
const PULL_EXPIRES_MS = 1_000;

/**
 * The transcode work queue on JetStream: one durable pull consumer per
 * priority class, shared by every replica, and a plain NATS subscription
 * that sees each item being published.
 */
@Injectable()
export class TranscodeQueueRepository {
  private consumers: Map<PriorityClass, Consumer> | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly names: StreamNames,
    @Inject(TRANSCODER_SETTINGS) private readonly settings: TranscoderSettings,
  ) {}

  /** Creates the consumers (or brings their ack wait up to date) and binds to them. */
  async connect(): Promise<void> {
    await ensureTranscodeConsumers(await jetstreamManager(this.nc), this.names, this.settings.ackWaitMs);
    const js = jetstream(this.nc);
    const consumers = new Map<PriorityClass, Consumer>();
    for (const cls of PRIORITY_CLASSES) consumers.set(cls, await js.consumers.get(this.names.work, transcodeConsumerName(cls)));
    this.consumers = consumers;
  }

  /** Per class: items never delivered, and items delivered but not acknowledged yet (by anyone). */
  async backlog(): Promise<Backlog> {
    const infos = await Promise.all(PRIORITY_CLASSES.map((cls) => this.consumer(cls).info()));
    return Object.fromEntries(PRIORITY_CLASSES.map((cls, i) => [cls, { pending: infos[i].num_pending, unacknowledged: infos[i].num_ack_pending }])) as Backlog;
  }

  /** The next item of a class, or null if none came within a second. */
  next(cls: PriorityClass): Promise<JsMsg | null> {
    return this.consumer(cls).next({ expires: PULL_EXPIRES_MS });
  }

  /**
   * Calls `listener` for every item published to any class. JetStream stores
   * the message and also hands it to plain subscribers, so an idle replica
   * wakes up at once instead of polling.
   */
  onPublish(listener: () => void): { stop(): void } {
    const subscription = this.nc.subscribe(`${this.names.subjectRoot}.work.transcode.>`, { callback: () => listener() });
    return { stop: () => subscription.unsubscribe() };
  }

  private consumer(cls: PriorityClass): Consumer {
    const consumer = this.consumers?.get(cls);
    if (!consumer) throw new Error('the transcode queue is not connected');
    return consumer;
  }
}
