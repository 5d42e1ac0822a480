import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Histogram } from 'prom-client';
import { EventStore, type EventSubscription, MetricsRegistry, type StoredEvent } from '@mpr/core';
import { type ApplyStage, ProjectorActivity } from './projector-activity';
import { ReadModelWriter } from './read-model.writer';

/** An event whose write took longer than this is logged with where the time went. */
const SLOW_APPLY_MS = 2_000;

interface Waiter {
  sequence: number;
  resolve(): void;
}

/**
 * Keeps the PostgreSQL read models up to date with MPR_EVENTS, from the
 * stored checkpoint on, and lets a command wait until its event is visible
 * (read-your-writes).
 */
@Injectable()
export class ReadModelProjector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReadModelProjector.name);
  private readonly writer: ReadModelWriter;
  private position = 0;
  private waiters = new Set<Waiter>();
  private subscription?: EventSubscription;
  private loop?: Promise<void>;
  private stopped = false;
  private readonly activity = new ProjectorActivity();
  private readonly startedAt = Date.now();
  private readonly stageSeconds: Histogram<'stage'>;
  private readonly lagSeconds: Histogram;

  constructor(
    dataSource: DataSource,
    private readonly store: EventStore,
    metrics: MetricsRegistry,
  ) {
    this.writer = new ReadModelWriter(dataSource);
    this.stageSeconds = metrics.histogram(
      'mpr_read_model_apply_seconds',
      "Time one event's write to the read models spent at each step: connect, lock, project, commit",
      [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      ['stage'],
    );
    this.lagSeconds = metrics.histogram(
      'mpr_read_model_lag_seconds',
      'From an event being recorded to the read models including it (events recorded while the projector runs)',
      [0.005, 0.02, 0.1, 0.5, 2, 10, 60],
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.position = await this.writer.ensureCheckpoint();
    this.subscription = await this.store.subscribe(this.position + 1, (reason, sequence) =>
      this.logger.warn(`following MPR_EVENTS from event ${sequence} on a new consumer (${reason})`),
    );
    this.loop = this.run(this.subscription);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.subscription?.stop();
    await this.loop;
  }

  /** The last event the read models include. */
  get applied(): number {
    return this.position;
  }

  /** Why the event at `sequence` is not in the read models yet (for READ_MODELS_BEHIND). */
  whyNotYet(sequence: number): string {
    return this.activity.explain(sequence);
  }

  /** Resolves true once the read models include the event at `sequence`, false if they do not within `timeoutMs`. */
  waitFor(sequence: number, timeoutMs: number): Promise<boolean> {
    if (this.position >= sequence) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        sequence,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private async run(subscription: EventSubscription): Promise<void> {
    for await (const stored of subscription) {
      await this.applyUntilDone(stored);
      if (this.stopped) return;
    }
  }

  /** A failing projection must not skip the event: retry until it applies or we stop. */
  private async applyUntilDone(stored: StoredEvent): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.applyTimed(stored);
        this.advance(stored.sequence);
        // Events recorded before this projector began are a catch-up, not a lag: their age would swamp the histogram.
        if (stored.occurredAt.getTime() >= this.startedAt) this.lagSeconds.observe((Date.now() - stored.occurredAt.getTime()) / 1_000);
        return;
      } catch (err) {
        this.logger.error(`applying event ${stored.sequence} (${stored.type}) failed, try ${attempt}: ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
      }
    }
  }

  /** One write, each step timed: the metrics show which step a lag comes from, and a slow write is logged with them. */
  private async applyTimed(stored: StoredEvent): Promise<void> {
    const steps: Array<{ stage: ApplyStage; ms: number }> = [];
    const record = (step: { stage: ApplyStage; ms: number } | undefined) => {
      if (!step) return;
      steps.push(step);
      this.stageSeconds.observe({ stage: step.stage }, step.ms / 1_000);
    };
    this.activity.started(stored.sequence);
    try {
      await this.writer.apply(stored, { onStage: (stage) => record(this.activity.stage(stage)) });
    } finally {
      record(this.activity.finished());
    }
    const total = steps.reduce((sum, step) => sum + step.ms, 0);
    if (total >= SLOW_APPLY_MS) {
      this.logger.warn(`event ${stored.sequence} (${stored.type}) took ${total} ms to write: ${steps.map((s) => `${s.stage} ${s.ms} ms`).join(', ')}`);
    }
  }

  private advance(sequence: number): void {
    this.position = sequence;
    for (const waiter of this.waiters) {
      if (waiter.sequence <= sequence) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
