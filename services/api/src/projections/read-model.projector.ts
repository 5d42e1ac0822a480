import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventStore, type EventSubscription, type StoredEvent } from '@mpr/core';
import { ReadModelWriter } from './read-model.writer';

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

  constructor(
    dataSource: DataSource,
    private readonly store: EventStore,
  ) {
    this.writer = new ReadModelWriter(dataSource);
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
        await this.writer.apply(stored);
        this.advance(stored.sequence);
        return;
      } catch (err) {
        this.logger.error(`applying event ${stored.sequence} (${stored.type}) failed, try ${attempt}: ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
      }
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
