import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { JobEvent, StoredEvent } from '@mpr/core';
import { DispatchService } from './dispatch.service';
import { type DeliveryStream, type EventDelivery, JobEventsRepository } from './job-events.repository';
import { ReopeningLoop } from './reopening.loop';
import { type FailureOutcome, RetryService } from './retry.service';

/**
 * Reacts to job events through the durable consumer the scheduler replicas
 * share, so each event is handled once, and handled after a restart if it
 * arrived while every replica was down. An event is acked only once handled;
 * a failure to handle it hands it back with a growing delay.
 */
@Injectable()
export class JobEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobEventsConsumer.name);
  private readonly loop: ReopeningLoop<DeliveryStream>;

  constructor(
    events: JobEventsRepository,
    private readonly dispatcher: DispatchService,
    private readonly retries: RetryService,
  ) {
    this.loop = new ReopeningLoop(
      'the job event consumer',
      async () => {
        await events.ensureSharedConsumer();
        return events.consumeShared();
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

  /** Before CoreModule drains the NATS connection: finish the event in hand, take no more. */
  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  private async settle(delivery: EventDelivery): Promise<void> {
    try {
      const outcome = await this.handle(delivery.event, new Date());
      if (outcome.kind === 'recheck') delivery.redeliverIn(outcome.delayMs);
      else delivery.ack();
    } catch (err) {
      const delayMs = Math.min(30_000, 500 * 2 ** Math.min(delivery.redeliveries, 6));
      const { event, redeliveries } = delivery;
      const what = `${event.type} of job ${event.aggregate.id} (delivery ${redeliveries + 1})`;
      this.logger.warn(`handling ${what} failed, again in ${delayMs} ms: ${(err as Error).message}`);
      delivery.redeliverIn(delayMs);
    }
  }

  private async handle(stored: StoredEvent<JobEvent>, now: Date): Promise<FailureOutcome> {
    const { event } = stored;
    switch (event.case) {
      case 'jobCreated':
        await this.dispatcher.dispatch(stored.aggregate.id, 1, stored.occurredAt);
        return { kind: 'done' };
      case 'jobRetried':
        await this.dispatcher.dispatch(stored.aggregate.id, event.value.attempt, stored.occurredAt);
        return { kind: 'done' };
      case 'jobFailed':
        return this.retries.onFailure(
          { jobId: stored.aggregate.id, attempt: event.value.attempt, retryable: event.value.retryable, failedAt: stored.occurredAt },
          now,
        );
      default:
        return { kind: 'done' };
    }
  }
}
