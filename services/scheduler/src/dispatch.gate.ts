import { Injectable, Logger } from '@nestjs/common';
import { type DispatchSwitch, DispatchSwitchRepository, type SwitchWatch } from '@mpr/core';
import { SchedulerMetrics } from './scheduler.metrics';

/** A missed core message (dropped as a slow consumer) is caught up by this re-read at the latest. */
const SAFETY_READ_MS = 5_000;
/** How soon to read again when the log does not hold the event the watch named yet (it stores it a moment after). */
const AWAIT_READ_MS = 100;

/**
 * The dispatch switch (pauseDispatch / resumeDispatch), as the scheduler
 * obeys it: read from the log once, then kept current by a watch, so a job
 * event costs no request. The pause stays exact in log order: every job event
 * appended after the DispatchPaused waits for the resume, every one before it
 * is handled. That holds because the watch's core message of a dispatch event
 * reaches this connection before the consumer can deliver a job event
 * appended after it (the server hands a publish to its core subscribers as it
 * takes it in); from then on the gate is stale, and the next job event reads
 * the log — appended after the dispatch event, it proves the log holds it.
 * The gate is fresh again once a read returns the event the watch named (or
 * after a reconnect, any read: it may have missed one).
 */
@Injectable()
export class DispatchGate {
  private readonly logger = new Logger(DispatchGate.name);
  private readonly listeners = new Set<(current: DispatchSwitch) => void>();
  private watch?: SwitchWatch;
  private timer?: NodeJS.Timeout;
  private current?: DispatchSwitch;
  /** Watch messages and reconnects so far; `current` is fresh when a read asked after the last of them and nothing is awaited. */
  private hints = 0;
  private hintsRead = -1;
  /** The newest dispatch event the watch saw that no read has returned yet; given up after SAFETY_READ_MS (a refused append never lands). */
  private awaited?: { id: string; at: number };
  private stopped = false;

  constructor(
    private readonly repository: DispatchSwitchRepository,
    private readonly metrics: SchedulerMetrics,
  ) {}

  async start(): Promise<void> {
    this.watch = this.repository.watch((eventId) => {
      this.hints++;
      if (eventId !== undefined) this.awaited = { id: eventId, at: Date.now() };
      void this.readQuietly();
    });
    this.timer = setInterval(() => void this.readQuietly(), SAFETY_READ_MS);
    await this.read();
  }

  stop(): void {
    this.stopped = true;
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
    // Stale, a read now sees every dispatch event before this job event (it is in the log, so they are too).
    const current = this.stale || !this.current ? await this.read() : this.current;
    return current.state.status === 'PAUSED' && current.sequence < eventSequence;
  }

  /** True while a dispatch event may exist that `current` does not show. */
  private get stale(): boolean {
    return this.hintsRead !== this.hints || this.awaited !== undefined;
  }

  async read(): Promise<DispatchSwitch> {
    // What the watch had seen when this read was asked: a message that lands meanwhile keeps the gate stale.
    const hints = this.hints;
    const read = await this.repository.read();
    this.metrics.switchReads.inc();
    this.hintsRead = Math.max(this.hintsRead, hints);
    if (this.awaited) {
      if (read.eventId === this.awaited.id || Date.now() - this.awaited.at > SAFETY_READ_MS) {
        this.awaited = undefined;
      } else {
        // The log does not hold the event the watch named yet: stale until it does (a held consumer waits for this to resume).
        setTimeout(() => void this.readQuietly(), AWAIT_READ_MS).unref();
      }
    }
    // Reads overlap (the watch, the safety clock, a job event): a later switch is never replaced by an earlier one.
    const current = this.current && this.current.sequence > read.sequence ? this.current : read;
    if (current.sequence !== this.current?.sequence) {
      const reason = current.state.reason ? ` (${current.state.reason})` : '';
      if (this.current || current.state.status === 'PAUSED') this.logger.log(`dispatch is ${current.state.status.toLowerCase()}${reason}`);
    }
    this.current = current;
    this.metrics.dispatchPaused.set(current.state.status === 'PAUSED' ? 1 : 0);
    for (const listener of this.listeners) listener(current);
    return current;
  }

  private async readQuietly(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.read();
    } catch (err) {
      this.logger.warn(`reading the dispatch switch failed: ${(err as Error).message}`);
    }
  }
}
