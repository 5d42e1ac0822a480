import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CLOUD_STOPS_CONSUMER, type DeliveryStream, type EventDelivery, JobEventsRepository } from '../job-events.repository';
import { ReopeningLoop } from '../reopening.loop';
import { CloudDispatchService } from './cloud-dispatch.service';

/**
 * Tells cloud executions to stop when their job is cancelled: a Lambda or a
 * Cloud Run task does not read the log. Its own durable consumer, shared by
 * the replicas (one stop per cancel), and not held by a dispatch pause: a
 * pause holds new work, never a cancel.
 */
@Injectable()
export class CloudStopsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CloudStopsConsumer.name);
  private readonly loop: ReopeningLoop<DeliveryStream>;

  constructor(
    events: JobEventsRepository,
    private readonly cloud: CloudDispatchService,
  ) {
    this.loop = new ReopeningLoop(
      'the cloud stops consumer',
      async () => {
        await events.ensureSharedConsumer(CLOUD_STOPS_CONSUMER);
        return events.consumeShared(CLOUD_STOPS_CONSUMER);
      },
      async (stream) => {
        for await (const delivery of stream) await this.settle(delivery);
      },
      this.logger,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  private async settle(delivery: EventDelivery): Promise<void> {
    const { event } = delivery.event;
    try {
      if (event.case === 'jobCancelled') await this.cloud.stop(delivery.event.aggregate.id, event.value.attempt);
      delivery.ack();
    } catch (err) {
      // The control plane could not be reached: again later (a refusal is logged by stop and not retried).
      const delayMs = Math.min(30_000, 500 * 2 ** Math.min(delivery.redeliveries, 6));
      this.logger.warn(`stopping the execution of job ${delivery.event.aggregate.id} failed, again in ${delayMs} ms: ${(err as Error).message}`);
      delivery.redeliverIn(delayMs);
    }
  }
}
