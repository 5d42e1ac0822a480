import type { Logger } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import { type ChunkQueue, WakeSignal } from '@mpr/core';
import type { ChunkWorkRepository } from './chunk-work.repository';

/**
 * `count` loops pulling one chunk queue, each handling one item at a time:
 * woken at once by a new item (core NATS sees the publish), else polling
 * every second; the item's ack wait kept alive while it is handled; an item
 * whose handler throws is nak'd with `retryDelayMs`. What the coordinator
 * and the segment workers share. With a `hold` (the coordinator's
 * DispatchHold) a loop pulls only while dispatch is not paused.
 */
export class ChunkQueueLoops {
  private readonly announced = new WakeSignal();
  private stopping = false;
  private loops: Promise<void>[] = [];
  private announcements: { stop(): void } | undefined;

  constructor(
    private readonly work: ChunkWorkRepository,
    private readonly queue: ChunkQueue,
    private readonly logger: Logger,
    private readonly timing: { readonly ackWaitMs: number; readonly retryDelayMs: number },
    private readonly hold?: { untilDispatching(): Promise<void> },
  ) {}

  start(count: number, handle: (msg: JsMsg, slot: number) => Promise<void>): void {
    this.announcements = this.work.onPublish(this.queue, () => this.announced.notify());
    for (let slot = 0; slot < count; slot++) this.loops.push(this.run(slot, handle));
  }

  /** Stops pulling; resolves once every loop has finished its item (abort them first for a quick stop). */
  stop(): Promise<void> {
    this.stopping = true;
    this.announcements?.stop();
    this.announced.notify();
    return Promise.allSettled(this.loops).then(() => undefined);
  }

  private async run(slot: number, handle: (msg: JsMsg, slot: number) => Promise<void>): Promise<void> {
    while (!this.stopping) {
      await this.hold?.untilDispatching();
      if (this.stopping) return;
      this.announced.reset();
      let msg: JsMsg | null;
      try {
        msg = await this.work.next(this.queue);
      } catch (err) {
        this.logger.warn(`cannot read the chunk ${this.queue} queue: ${(err as Error).message}`);
        await this.announced.wait(1_000);
        continue;
      }
      if (!msg) {
        if (!this.announced.pending) await this.announced.wait(1_000);
        continue;
      }
      if (this.stopping) {
        safely(() => msg.nak());
        return;
      }
      // Without a word within the ack wait JetStream hands the item to another replica.
      const heartbeat = setInterval(() => safely(() => msg.working()), Math.max(100, this.timing.ackWaitMs / 3));
      try {
        await handle(msg, slot);
      } catch (err) {
        this.logger.error(`chunk ${this.queue} item ${msg.seq}: ${(err as Error).stack ?? (err as Error).message}`);
        safely(() => msg.nak(this.timing.retryDelayMs));
      } finally {
        clearInterval(heartbeat);
      }
    }
  }
}

/** A settle or heartbeat that cannot reach NATS: the item comes back after its ack wait. */
export function safely(action: () => void): void {
  try {
    action();
  } catch {
    // NATS away: nothing to do but let the ack wait run out.
  }
}
