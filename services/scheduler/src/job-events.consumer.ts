import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type DispatchSwitch, type JobEvent, type StoredEvent, WatchedDispatchSwitch } from '@mpr/core';
import { DispatchService } from './dispatch.service';
import { type DeliveryStream, type EventDelivery, JobEventsRepository } from './job-events.repository';
import { ReopeningLoop } from './reopening.loop';
import { type FailureOutcome, RetryService } from './retry.service';
import { SchedulerMetrics } from './scheduler.metrics';

/**
 * Reacts to job events through the durable consumer the scheduler replicas
 * share, so each event is handled once, and handled after a restart if it
 * arrived while every replica was down. An event is acked only once handled;
 * a failure to handle it hands it back with a growing delay.
 *
 * While dispatch is paused the first job event appended after the pause is
 * handed back and the consumer stops: that event and every later one stay in
 * the durable consumer (nothing is lost, a restart changes nothing) until the
 * resume starts it again, from where it stopped.
 */
@Injectable()
export class JobEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobEventsConsumer.name);
  private loop?: ReopeningLoop<DeliveryStream>;
  /** Set while held by a pause: the stopped (or stopping) loop. */
  private held?: Promise<void>;
  private resuming?: Promise<void>;
  private unwatch?: () => void;
  private destroyed = false;

  constructor(
    private readonly events: JobEventsRepository,
    private readonly dispatcher: DispatchService,
    private readonly retries: RetryService,
    private readonly dispatchSwitch: WatchedDispatchSwitch,
    private readonly metrics: SchedulerMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unwatch = this.dispatchSwitch.onRead((current) => {
      this.metrics.switchReads.inc();
      this.metrics.dispatchPaused.set(current.state.status === 'PAUSED' ? 1 : 0);
      this.resumeIfRunning(current);
    });
    // The first read starts the watch; a scheduler that cannot read the switch does not start.
    await this.dispatchSwitch.fresh();
    // Started even while paused: events appended before the pause are still handled, the first one after it stops the loop.
    await this.startLoop();
  }

  /** Before CoreModule drains the NATS connection: finish the event in hand, take no more. */
  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    this.unwatch?.();
    await this.resuming;
    await (this.held ?? this.loop?.stop());
  }

  private async startLoop(): Promise<void> {
    const loop: ReopeningLoop<DeliveryStream> = new ReopeningLoop(
      'the job event consumer',
      async () => {
        await this.events.ensureSharedConsumer();
        return this.events.consumeShared();
      },
      async (stream) => {
        for await (const delivery of stream) await this.settle(delivery, loop);
      },
      this.logger,
    );
    this.loop = loop;
    await loop.start();
  }

  private async settle(delivery: EventDelivery, loop: ReopeningLoop<DeliveryStream>): Promise<void> {
    if (this.held) {
      // Pulled ahead before the loop stopped: straight back to the consumer, for whoever resumes.
      delivery.redeliverIn(0);
      return;
    }
    try {
      if (await this.dispatchSwitch.pausedBefore(delivery.event.sequence)) {
        delivery.redeliverIn(0);
        this.metrics.held.inc();
        this.hold(loop, delivery.event);
        return;
      }
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

  /** Not awaited here: the loop's stop waits for this very drain to end. */
  private hold(loop: ReopeningLoop<DeliveryStream>, event: StoredEvent<JobEvent>): void {
    if (this.held || this.loop !== loop) return;
    this.logger.log(`dispatch is paused: job events from ${event.sequence} on (${event.type} of job ${event.aggregate.id}) wait for the resume`);
    this.metrics.holding.set(1);
    const stopped = loop.stop();
    this.held = stopped;
    // A resume that landed while the loop was stopping found nothing held yet: read the switch once more.
    void stopped.then(() => this.dispatchSwitch.read()).catch((err: Error) => this.logger.warn(`reading the dispatch switch failed: ${err.message}`));
  }

  private resumeIfRunning(current: DispatchSwitch): void {
    if (!this.held || this.destroyed || this.resuming || current.state.status !== 'RUNNING') return;
    const held = this.held;
    this.resuming = (async () => {
      await held;
      if (this.destroyed) return;
      this.held = undefined;
      this.metrics.holding.set(0);
      this.logger.log('dispatch resumed: handling the job events that waited');
      await this.startLoop();
    })()
      .catch((err: Error) => {
        // The consumer could not be opened (NATS away): the next read of the switch tries again.
        this.held = Promise.resolve();
        this.metrics.holding.set(1);
        this.logger.error(`resuming the job event consumer failed: ${err.message}`);
      })
      .finally(() => (this.resuming = undefined));
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
