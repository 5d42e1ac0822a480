import { Inject, Injectable } from '@nestjs/common';
import { JetStreamApiCodes, jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Priority } from '@mpr/contracts/common_pb';
import { enqueueChunkJob, enqueueTranscode, NATS_CONNECTION, PRIORITY_CLASSES, type PriorityClass, StreamNames, transcodeConsumerName } from '@mpr/core';

/** MPR_WORK as the scheduler uses it: it queues transcode items and watches the queues' lag. */
@Injectable()
export class WorkRepository {
  private readonly js: JetStreamClient;
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly names: StreamNames,
  ) {
    this.js = jetstream(nc);
  }

  /** Idempotent per job attempt (message id `<jobId>-<attempt>`, within the stream's duplicate window). */
  enqueueTranscode(item: { jobId: string; attempt: number; priority: Priority; queuedAt: Date }): Promise<void> {
    return enqueueTranscode(this.js, this.names, item);
  }

  /** A chunked job's attempt, for the chunker (mpr.work.chunk.job, message id `<jobId>-<attempt>`). */
  enqueueChunkJob(item: { jobId: string; attempt: number; priority: Priority; queuedAt: Date }): Promise<void> {
    return enqueueChunkJob(this.js, this.names, item);
  }

  /**
   * Items not yet delivered to any transcoder, per priority class. The
   * transcoders create their consumers; until they have, the lag reads 0.
   */
  async transcodeLag(): Promise<Record<PriorityClass, number>> {
    // checkAPI off: no account round trip per call; the NATS connection already proved JetStream at boot.
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    const lag = {} as Record<PriorityClass, number>;
    for (const cls of PRIORITY_CLASSES) {
      lag[cls] = await jsm.consumers.info(this.names.work, transcodeConsumerName(cls)).then(
        (info) => info.num_pending,
        (err: unknown) => {
          if ((err as { code?: number }).code === JetStreamApiCodes.ConsumerNotFound) return 0;
          throw err;
        },
      );
    }
    return lag;
  }
}
