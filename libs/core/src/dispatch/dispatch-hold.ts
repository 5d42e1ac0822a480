import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import { WakeSignal } from '../execution/wake-signal';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { WatchedDispatchSwitch } from './watched-dispatch-switch';

/** While paused, a loop looks again at least this often, whatever the watch says. */
const SAFETY_LOOK_MS = 5_000;

/**
 * The dispatch switch as a worker obeys it (the transcoder's slots, the
 * chunker's coordinators): before taking a new attempt from MPR_WORK it asks
 * the watched switch, and while dispatch is paused it takes none, so an
 * attempt the scheduler queued just before the pause waits in the queue —
 * PENDING, in its place — like the ones the scheduler holds. What a worker
 * runs already goes on (and a chunked job's segments are not held: their job
 * runs). A switch that cannot be read holds nothing back: the pull would fail too.
 */
@Injectable()
export class DispatchHold implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DispatchHold.name);
  private readonly holding: Gauge;
  private readonly waiting = new Set<WakeSignal>();
  private held = 0;
  private stopped = false;

  constructor(
    private readonly dispatchSwitch: WatchedDispatchSwitch,
    metrics: MetricsRegistry,
  ) {
    this.holding = metrics.gauge('mpr_dispatch_holding_work', 'Loops of this service taking no new work from MPR_WORK because dispatch is paused.');
  }

  /** Resolves at once while dispatching; while paused, once dispatch resumes (or the service stops). */
  async untilDispatching(): Promise<void> {
    const changed = new WakeSignal();
    // Before the first look: a read that lands between the look and the wait still wakes it.
    const unsubscribe = this.dispatchSwitch.onRead(() => changed.notify());
    this.waiting.add(changed);
    let holding = false;
    try {
      while (!this.stopped) {
        changed.reset();
        if (!(await this.paused())) return;
        if (!holding) {
          holding = true;
          if (this.held++ === 0) this.logger.log('dispatch is paused: taking no new work until it resumes');
          this.holding.set(this.held);
        }
        await changed.wait(SAFETY_LOOK_MS);
      }
    } finally {
      unsubscribe();
      this.waiting.delete(changed);
      if (holding) this.holding.set(--this.held);
    }
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    for (const changed of this.waiting) changed.notify();
  }

  private async paused(): Promise<boolean> {
    try {
      return (await this.dispatchSwitch.fresh()).state.status === 'PAUSED';
    } catch (err) {
      this.logger.warn(`reading the dispatch switch failed (taking work as usual): ${(err as Error).message}`);
      return false;
    }
  }
}
