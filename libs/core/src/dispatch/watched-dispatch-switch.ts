import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { type DispatchSwitch, DispatchSwitchRepository, type SwitchWatch } from './dispatch-switch.repository';

/** A missed core message (dropped as a slow consumer) is caught up by this re-read at the latest. */
const SAFETY_READ_MS = 5_000;
/** How soon to read again when the log does not hold the event the watch named yet (it stores it a moment after). */
const AWAIT_READ_MS = 100;

/**
 * The dispatch switch (pauseDispatch / resumeDispatch) as a service holds it:
 * read from the log once, then kept current by a watch, so asking it costs
 * no request. The scheduler asks it of every job event, the workers before
 * every pull (DispatchHold): one switch, one watch, one re-read clock.
 *
 * Exact in log order: the watch's core message of a dispatch event reaches
 * this connection before a consumer can deliver an event appended after it
 * (the server hands a publish to its core subscribers as it takes it in);
 * from then on the switch is stale, and the next question reads the log — an
 * event appended after the dispatch event proves the log holds it. The
 * switch is fresh again once a read returns the event the watch named (or
 * after a reconnect, any read: it may have missed one).
 */
@Injectable()
export class WatchedDispatchSwitch implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WatchedDispatchSwitch.name);
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

  constructor(private readonly repository: DispatchSwitchRepository) {}

  /**
   * The switch as the log holds it now: what the watch kept, or a read when
   * a dispatch event may have come since (and the first time: that starts the watch).
   */
  async fresh(): Promise<DispatchSwitch> {
    this.startWatching();
    return this.stale || !this.current ? this.read() : this.current;
  }

  /** True when dispatch was paused before the event at `eventSequence` was appended: it must wait for the resume. */
  async pausedBefore(eventSequence: number): Promise<boolean> {
    const current = await this.fresh();
    return current.state.status === 'PAUSED' && current.sequence < eventSequence;
  }

  /** Told of every read of the switch, changed or not; returns the unsubscribe. */
  onRead(listener: (current: DispatchSwitch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the log now (what `fresh` does when stale): for a caller that must not miss a switch that landed meanwhile. */
  async read(): Promise<DispatchSwitch> {
    // What the watch had seen when this read was asked: a message that lands meanwhile keeps the switch stale.
    const hints = this.hints;
    const read = await this.repository.read();
    this.hintsRead = Math.max(this.hintsRead, hints);
    if (this.awaited) {
      if (read.eventId === this.awaited.id || Date.now() - this.awaited.at > SAFETY_READ_MS) {
        this.awaited = undefined;
      } else {
        // The log does not hold the event the watch named yet: stale until it does (a held consumer waits for this to resume).
        setTimeout(() => void this.readQuietly(), AWAIT_READ_MS).unref();
      }
    }
    // Reads overlap (the watch, the safety clock, a question): a later switch is never replaced by an earlier one.
    const current = this.current && this.current.sequence > read.sequence ? this.current : read;
    if (current.sequence !== this.current?.sequence) {
      const reason = current.state.reason ? ` (${current.state.reason})` : '';
      if (this.current || current.state.status === 'PAUSED') this.logger.log(`dispatch is ${current.state.status.toLowerCase()}${reason}`);
    }
    this.current = current;
    for (const listener of this.listeners) listener(current);
    return current;
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.watch?.stop();
    this.listeners.clear();
  }

  /** True while a dispatch event may exist that `current` does not show. */
  private get stale(): boolean {
    return this.hintsRead !== this.hints || this.awaited !== undefined;
  }

  private startWatching(): void {
    if (this.watch || this.stopped) return;
    this.watch = this.repository.watch((eventId) => {
      this.hints++;
      if (eventId !== undefined) this.awaited = { id: eventId, at: Date.now() };
      void this.readQuietly();
    });
    this.timer = setInterval(() => void this.readQuietly(), SAFETY_READ_MS);
    this.timer.unref();
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
