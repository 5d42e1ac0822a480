import { Inject, Injectable } from '@nestjs/common';
import { type Consumer, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ChunkSegmentWorkItem } from '@mpr/contracts/work_pb';
import {
  chunkConsumerName,
  type ChunkQueue,
  chunkSubject,
  decodeChunkSegmentItem,
  enqueueChunkSegment,
  ensureChunkConsumers,
  NATS_CONNECTION,
  type SegmentReport,
  segmentReportSubject,
  StreamNames,
} from '@mpr/core';
import { CHUNKER_SETTINGS, type ChunkerSettings } from './chunker.settings';

const PULL_EXPIRES_MS = 1_000;
/** How long capacity() waits for more replicas after the last answer, and at most in all. */
const CAPACITY_STALL_MS = 30;
const CAPACITY_WAIT_MS = 300;

/** The chunker's queues on MPR_WORK, its telemetry, and the segment reports. */
@Injectable()
export class ChunkWorkRepository {
  private readonly js: JetStreamClient;
  private consumers: Map<ChunkQueue, Consumer> | undefined;
  private jsm: JetStreamManager | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly names: StreamNames,
    @Inject(CHUNKER_SETTINGS) private readonly settings: ChunkerSettings,
  ) {
    this.js = jetstream(nc);
  }

  private connecting: Promise<void> | undefined;

  /** Creates the consumers and binds to them, once however many callers ask. */
  connect(): Promise<void> {
    this.connecting ??= this.bind().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private async bind(): Promise<void> {
    this.jsm = await jetstreamManager(this.nc);
    await ensureChunkConsumers(this.jsm, this.names, this.settings.ackWaitMs, this.settings.maxDeliver);
    const consumers = new Map<ChunkQueue, Consumer>();
    for (const queue of ['job', 'segment'] as const) consumers.set(queue, await this.js.consumers.get(this.names.work, chunkConsumerName(queue)));
    this.consumers = consumers;
  }

  next(queue: ChunkQueue): Promise<JsMsg | null> {
    const consumer = this.consumers?.get(queue);
    if (!consumer) throw new Error('the chunk queues are not connected');
    return consumer.next({ expires: PULL_EXPIRES_MS });
  }

  onPublish(queue: ChunkQueue, listener: () => void): { stop(): void } {
    const subscription = this.nc.subscribe(chunkSubject(this.names, queue), { callback: () => listener() });
    return { stop: () => subscription.unsubscribe() };
  }

  /**
   * Segment items JetStream gave up on: delivered `maxDeliver` times and
   * never settled, because the workers holding them died (a failing encode
   * leaves its `.failed` marker and terminates its item instead). Read from
   * the server's MAX_DELIVERIES advisory. Every coordinator hears every
   * advisory; the one whose job it is answers true and the item is removed
   * from the work stream, where nothing would ever take it again.
   */
  onSegmentExhausted(listener: (item: ChunkSegmentWorkItem) => boolean): { stop(): void } {
    const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${this.names.work}.${chunkConsumerName('segment')}`;
    const subscription = this.nc.subscribe(subject, {
      callback: (_err, msg) => {
        void (async () => {
          const { stream_seq: seq } = JSON.parse(msg.string()) as { stream_seq: number };
          const jsm = this.jsm;
          if (!jsm) return;
          const stored = await jsm.streams.getMessage(this.names.work, { seq });
          if (!stored) return;
          if (listener(decodeChunkSegmentItem(stored.string()))) await jsm.streams.deleteMessage(this.names.work, seq).catch(() => undefined);
        })().catch(() => undefined);
      },
    });
    return { stop: () => subscription.unsubscribe() };
  }

  enqueueSegment(item: Omit<ChunkSegmentWorkItem, '$typeName'>): Promise<void> {
    return enqueueChunkSegment(this.js, this.names, item);
  }

  /** `mpr.telemetry.chunker.<jobId>.<tokens…>`, kept last-per-subject by MPR_TELEMETRY. */
  async telemetry(jobId: string, tokens: string[], body: Record<string, unknown>): Promise<void> {
    await this.js.publish(this.names.telemetrySubject('chunker', jobId, ...tokens), JSON.stringify({ jobId, at: new Date().toISOString(), ...body }));
  }

  private capacitySubject(): string {
    return `${this.names.subjectRoot}.chunker.capacity`;
  }

  /** Answers coordinators asking how many segment workers this replica has (capacity), until stopped. */
  serveCapacity(workers: number): { stop(): void } {
    const subscription = this.nc.subscribe(this.capacitySubject(), {
      callback: (_err, msg) => {
        try {
          msg.respond(JSON.stringify({ replicaId: this.settings.replicaId, workers }));
        } catch {
          // NATS away: the asking coordinator counts without us.
        }
      },
    });
    return { stop: () => subscription.unsubscribe() };
  }

  /**
   * The segment workers of every chunker replica that answers within a
   * moment (one core NATS request, every replica's reply until none came for
   * 30 ms, 300 ms at most): what a job's default chunk length is planned for.
   * At least `own`, this replica's, so a slow or absent NATS still plans.
   */
  async capacity(own: number): Promise<{ workers: number; replicas: number }> {
    const replicas = new Map<string, number>([[this.settings.replicaId, own]]);
    try {
      const replies = await this.nc.requestMany(this.capacitySubject(), '', { strategy: 'stall', stall: CAPACITY_STALL_MS, maxWait: CAPACITY_WAIT_MS });
      for await (const reply of replies) {
        try {
          const { replicaId, workers } = JSON.parse(reply.string()) as { replicaId?: unknown; workers?: unknown };
          if (typeof replicaId === 'string' && typeof workers === 'number' && Number.isInteger(workers) && workers > 0) replicas.set(replicaId, workers);
        } catch {
          // Not a replica's answer (a status message): skip it.
        }
      }
    } catch {
      // No answer at all, or NATS away: this replica alone.
    }
    return { workers: [...replicas.values()].reduce((a, b) => a + b, 0), replicas: replicas.size };
  }

  report(jobId: string, attempt: number, report: SegmentReport): void {
    this.nc.publish(segmentReportSubject(this.names, jobId, attempt), JSON.stringify(report));
  }

  onReports(jobId: string, attempt: number, listener: (report: SegmentReport) => void): { stop(): void } {
    const subscription = this.nc.subscribe(segmentReportSubject(this.names, jobId, attempt), {
      callback: (_err, msg) => {
        try {
          listener(JSON.parse(msg.string()) as SegmentReport);
        } catch {
          // A report is a hint only: the files tell what is done.
        }
      },
    });
    return { stop: () => subscription.unsubscribe() };
  }
}
