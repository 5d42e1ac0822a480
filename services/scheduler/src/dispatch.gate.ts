import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { type DispatchSwitch, DispatchSwitchRepository, NATS_CONNECTION, StreamNames, type SwitchWatch } from '@mpr/core';
import { SchedulerMetrics } from './scheduler.metrics';

/** A missed core message (a reconnect) is caught up by this re-read at the latest. */
const SAFETY_READ_MS = 5_000;

/**
 * The dispatch switch (pauseDispatch / resumeDispatch), as the scheduler
 * obeys it. `holds` reads the log before each job event is handled, so the
 * pause is exact in log order: every job event appended after the
 * DispatchPaused waits for the resume, every one before it is handled. The
 * subscription only wakes a held consumer sooner.
 */
@Injectable()
export class DispatchGate {
  private readonly logger = new Logger(DispatchGate.name);
  private readonly repository: DispatchSwitchRepository;
  private readonly listeners = new Set<(current: DispatchSwitch) => void>();
  private watch?: SwitchWatch;
  private timer?: NodeJS.Timeout;
  private last?: DispatchSwitch;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    names: StreamNames,
    private readonly metrics: SchedulerMetrics,
  ) {
    this.repository = new DispatchSwitchRepository(nc, names);
  }

  async start(): Promise<void> {
    this.watch = this.repository.watch(() => void this.readQuietly());
    this.timer = setInterval(() => void this.readQuietly(), SAFETY_READ_MS);
    await this.read();
  }

  stop(): void {
    clearInterval(this.timer);
    this.watch?.stop();
    this.listeners.clear();
  }

  /** Told of every read of the switch, changed or not. */
  onRead(listener: (current: DispatchSwitch) => void): void {
    this.listeners.add(listener);
  }

  /** True when dispatch was paused before this job event was appended: it must wait for the resume. */
  async holds(eventSequence: number): Promise<boolean> {
    const current = await this.read();
    return current.state.status === 'PAUSED' && current.sequence < eventSequence;
  }

  async read(): Promise<DispatchSwitch> {
    const current = await this.repository.read();
    if (current.sequence !== this.last?.sequence) {
      const reason = current.state.reason ? ` (${current.state.reason})` : '';
      if (this.last || current.state.status === 'PAUSED') this.logger.log(`dispatch is ${current.state.status.toLowerCase()}${reason}`);
    }
    this.last = current;
    this.metrics.dispatchPaused.set(current.state.status === 'PAUSED' ? 1 : 0);
    for (const listener of this.listeners) listener(current);
    return current;
  }

  private async readQuietly(): Promise<void> {
    try {
      await this.read();
    } catch (err) {
      this.logger.warn(`reading the dispatch switch failed: ${(err as Error).message}`);
    }
  }
}
