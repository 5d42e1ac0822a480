import { Code, ConnectError } from '@connectrpc/connect';
import { brokerUnavailable } from '../gateway.errors';
import { ClientBuffer, IDLE } from './client-buffer';
import type { SharedFeed } from './shared-feed';

/**
 * One RPC stream's hold on the gateway: its bounded buffer, the shared feeds
 * it listens to, its heartbeat clock. `close()` (in the RPC's finally)
 * detaches it from every feed, so a client that goes away releases its
 * share at once; the last one out stops the feed's NATS subscription.
 */
export class StreamSession<L> {
  readonly signal: AbortSignal;
  private readonly buffer: ClientBuffer<L>;
  private readonly detaches: Array<() => void> = [];
  private lastSentAt = Date.now();

  constructor(
    callSignal: AbortSignal,
    private readonly ends: { readonly shutdown: AbortSignal; readonly brokerLost: AbortSignal; readonly overflowed?: () => void },
    bufferSize: number,
    private readonly heartbeatMs: number,
  ) {
    this.signal = AbortSignal.any([callSignal, ends.shutdown, ends.brokerLost]);
    // A reader that fell behind lets go of the shared feeds at once: its write may stay blocked as long as its client does not read.
    this.buffer = new ClientBuffer<L>(bufferSize, this.signal, () => {
      this.ends.overflowed?.();
      this.close();
    });
  }

  /** Listens to `feed`, keeping what `select` maps to a live item. */
  async join<T>(feed: SharedFeed<T>, select: (item: T) => L | undefined): Promise<void> {
    const detach = await feed.attach({
      push: (item) => {
        const live = select(item);
        if (live !== undefined) this.buffer.push(live);
      },
      fail: (error) => this.buffer.fail(error),
    });
    this.detaches.push(detach);
  }

  /** Adds an item of the stream's own (a value read at the start) to what it sends next. */
  put(item: L): void {
    this.buffer.push(item);
  }

  /**
   * The next live item, or IDLE when a heartbeat is due (or `tickMs`
   * passed, for a caller with clocks of its own); undefined once the client
   * went away. Throws UNAVAILABLE when the gateway stops or loses NATS.
   */
  async next(tickMs = this.heartbeatMs): Promise<L | typeof IDLE | undefined> {
    const item = await this.buffer.next(this.waitMs(tickMs));
    this.assertOpen();
    return item;
  }

  /**
   * The next response of a stream's live part: the next item as `respond`
   * maps it (undefined: nothing to send for it, e.g. one a replay already
   * sent), or a heartbeat when the stream said nothing for an interval;
   * undefined once the client went away. Throws UNAVAILABLE as `next()`.
   */
  async nextResponse<R>(respond: (item: L) => R | undefined, heartbeat: () => R): Promise<R | undefined> {
    // The hot path of every live delivery: one await per item, straight on the buffer.
    for (;;) {
      const item = await this.buffer.next(this.waitMs(this.heartbeatMs));
      this.assertOpen();
      if (item === undefined) return undefined;
      const response = item === IDLE ? (this.heartbeatDue() ? heartbeat() : undefined) : respond(item);
      if (response !== undefined) {
        this.lastSentAt = Date.now();
        return response;
      }
    }
  }

  /** How long a wait may last: until `tickMs`, or the heartbeat, whichever is sooner. */
  private waitMs(tickMs: number): number {
    return Math.max(1, Math.min(tickMs, this.lastSentAt + this.heartbeatMs - Date.now()));
  }

  /** True (and the clock reset) when the stream said nothing for a heartbeat interval. */
  heartbeatDue(): boolean {
    if (Date.now() - this.lastSentAt < this.heartbeatMs) return false;
    this.sent();
    return true;
  }

  /** A message went out: the heartbeat clock starts again. */
  sent(): void {
    this.lastSentAt = Date.now();
  }

  /** Throws UNAVAILABLE if the gateway is stopping or lost NATS: the client reconnects (to another replica, or this one back) and resumes. */
  assertOpen(): void {
    if (this.ends.shutdown.aborted) throw new ConnectError('the gateway is stopping: reconnect and resume', Code.Unavailable);
    if (this.ends.brokerLost.aborted) throw brokerUnavailable();
  }

  close(): void {
    this.buffer.dispose();
    for (const detach of this.detaches.splice(0)) detach();
  }
}

export { IDLE };

/** Passes each sequence once, in order: one at or before `after` (a replay covered it) or before the last passed is refused. */
export function newerThan(after: number): (sequence: number) => boolean {
  let last = after;
  return (sequence) => {
    if (sequence <= last) return false;
    last = sequence;
    return true;
  };
}

/** Passes a value unless it is the one passed last (the latest progress, read at the start, may also arrive live). */
export function changed(): (value: string) => boolean {
  let last: string | undefined;
  return (value) => {
    if (value === last) return false;
    last = value;
    return true;
  };
}
