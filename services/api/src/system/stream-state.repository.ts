import { Inject, Injectable } from '@nestjs/common';
import { type ConsumerInfo, JetStreamApiCodes, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { chunkConsumerName, chunkSubject, NATS_CONNECTION, PRIORITY_CLASSES, StreamNames, transcodeConsumerName, transcodeSubject } from '@mpr/core';

/** One work class of MPR_WORK as its shared durable consumer sees it. */
export interface WorkQueueInfo {
  /** transcode-high, transcode-normal, transcode-low, chunk-job, chunk-segment: the consumer's name. */
  workClass: string;
  subject: string;
  /** Items in the queue, delivered or not (a work-queue stream drops an item once a worker acknowledges it). */
  depth: number;
  /** False until the workers of that class have created the consumer (then waiting, inProgress and redelivered read 0). */
  present: boolean;
  /** Items no worker has received yet (num_pending). */
  waiting: number;
  /** Items a worker holds and has not acknowledged (num_ack_pending). */
  inProgress: number;
  /** Items delivered more than once (num_redelivered). */
  redelivered: number;
}

/** MPR_WORK's consumers and MPR_EVENTS' head, read for the System view. */
@Injectable()
export class StreamStateRepository {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly names: StreamNames,
  ) {}

  async workQueues(): Promise<WorkQueueInfo[]> {
    const classes = [
      ...PRIORITY_CLASSES.map((cls) => ({ workClass: transcodeConsumerName(cls), subject: transcodeSubject(this.names, cls) })),
      ...(['job', 'segment'] as const).map((queue) => ({ workClass: chunkConsumerName(queue), subject: chunkSubject(this.names, queue) })),
    ];
    // checkAPI off: no account round trip per call; the NATS connection already proved JetStream at boot.
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    // The stream counts what each subject holds, whether or not a consumer exists yet.
    const stream = await jsm.streams.info(this.names.work, { subjects_filter: this.names.workSubject('>') });
    const held = stream.state.subjects ?? {};
    return Promise.all(
      classes.map(async ({ workClass, subject }) => {
        const info = await jsm.consumers.info(this.names.work, workClass).catch((err: unknown): null => {
          if ((err as { code?: number }).code === JetStreamApiCodes.ConsumerNotFound) return null;
          throw err;
        });
        return { workClass, subject, depth: held[subject] ?? 0, ...counts(info) };
      }),
    );
  }

  /** The last sequence MPR_EVENTS holds: where a fully caught-up projection stands. */
  async eventLogHead(): Promise<number> {
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    return (await jsm.streams.info(this.names.events)).state.last_seq;
  }
}

function counts(info: ConsumerInfo | null): Pick<WorkQueueInfo, 'present' | 'waiting' | 'inProgress' | 'redelivered'> {
  if (!info) return { present: false, waiting: 0, inProgress: 0, redelivered: 0 };
  return { present: true, waiting: info.num_pending, inProgress: info.num_ack_pending, redelivered: info.num_redelivered };
}
