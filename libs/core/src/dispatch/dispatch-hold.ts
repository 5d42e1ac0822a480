import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Gauge } from 'prom-client';
import { NATS_CONNECTION } from '../core.tokens';
import { StreamNames } from '../events/streams';
import { WakeSignal } from '../execution/wake-signal';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { DispatchSwitchRepository, type SwitchWatch } from './dispatch-switch.repository';

/** A missed core message (a reconnect) is caught up by this re-read at the latest. */
const SAFETY_READ_MS = 5_000;

/**
 * The dispatch switch as a worker obeys it (the transcoder's slots, the
 * chunker's coordinators): before taking a new attempt from MPR_WORK it reads
 * the switch, and while dispatch is paused it takes none, so an attempt the
 * scheduler queued just before the pause waits in the queue — PENDING, in
 * its place — like the ones the scheduler holds. What a worker runs already
 * goes on (and a chunked job's segments are not held: their job runs).
 * A switch that cannot be read holds nothing back: the pull would fail too.
 */
@Injectable()
export class DispatchHold implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DispatchHold.name);
  private readonly switches: DispatchSwitchRepository;
  private readonly changed = new WakeSignal();
  private readonly holding: Gauge;
  private watch?: SwitchWatch;
  private held = 0;
  private stopped = false;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, names: StreamNames, metrics: MetricsRegistry) {
    this.switches = new DispatchSwitchRepository(nc, names);
    this.holding = metrics.gauge('mpr_dispatch_holding_work', 'Loops of this service taking no new work from MPR_WORK because dispatch is paused.');
  }

  /** Resolves at once while dispatching; while paused, once dispatch resumes (or the service stops). */
  async untilDispatching(): Promise<void> {
    this.watch ??= this.switches.watch(() => this.changed.notify());
    let holding = false;
    try {
      while (!this.stopped) {
        this.changed.reset();
        if (!(await this.paused())) return;
        if (!holding) {
          holding = true;
          if (this.held++ === 0) this.logger.log('dispatch is paused: taking no new work until it resumes');
          this.holding.set(this.held);
        }
        await this.changed.wait(SAFETY_READ_MS);
      }
    } finally {
      if (holding) this.holding.set(--this.held);
    }
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    this.watch?.stop();
    this.changed.notify();
  }

  private async paused(): Promise<boolean> {
    try {
      return (await this.switches.read()).state.status === 'PAUSED';
    } catch (err) {
      this.logger.warn(`reading the dispatch switch failed (taking work as usual): ${(err as Error).message}`);
      return false;
    }
  }
}
