import { Code, ConnectError } from '@connectrpc/connect';

/** Yielded when a stream had nothing to say for a heartbeat interval. */
export const IDLE = Symbol('idle');

/**
 * What one stream holds for its reader: live items pushed by a shared feed,
 * taken by the RPC's generator. Bounded: a reader that falls `capacity`
 * items behind is ended with RESOURCE_EXHAUSTED (it resumes from the log
 * with the last sequence it saw) instead of growing the gateway's memory.
 */
export class ClientBuffer<T> {
  private readonly items: T[] = [];
  private failure: ConnectError | undefined;
  private wake: (() => void) | undefined;
  /** When a waiting reader gets IDLE; the one timer below fires at or before it. */
  private idleAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;

  /** `onOverflow`: the reader fell behind; what it holds elsewhere (its share of the feeds) can go now, not when its blocked write drains. */
  constructor(
    private readonly capacity: number,
    private readonly signal: AbortSignal,
    private readonly onOverflow: () => void = () => undefined,
  ) {
    signal.addEventListener(
      'abort',
      () => {
        this.dispose();
        this.notify();
      },
      { once: true },
    );
  }

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.failure) return;
    if (this.items.length >= this.capacity) {
      this.items.length = 0;
      this.fail(
        new ConnectError(
          `the reader fell ${this.capacity} messages behind and the stream was ended: call again from the last sequence received + 1`,
          Code.ResourceExhausted,
        ),
      );
      this.onOverflow();
      return;
    }
    this.items.push(item);
    this.notify();
  }

  /** Ends the stream with this error once the items before it are taken (a feed that lost the broker). */
  fail(error: ConnectError): void {
    this.failure ??= error;
    this.notify();
  }

  /**
   * The next item, IDLE after `idleMs` without one, or undefined once the
   * call is aborted. Throws the failure once the items before it are taken.
   */
  async next(idleMs: number): Promise<T | typeof IDLE | undefined> {
    if (this.items.length === 0 && !this.failure && !this.signal.aborted) {
      this.idleAt = Date.now() + idleMs;
      this.armTimer();
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    if (this.signal.aborted) return undefined;
    if (this.items.length > 0) return this.items.shift();
    if (this.failure) throw this.failure;
    return IDLE;
  }

  /** Stops the idle timer (the stream is over). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * One timer per stream, not one per message: while items keep coming it
   * stays set and, when it fires before the wait's end (items moved it), is
   * set again for the rest — so a busy stream touches no timer per message.
   */
  private armTimer(): void {
    if (this.timer && this.timerAt <= this.idleAt) return;
    clearTimeout(this.timer);
    this.timerAt = this.idleAt;
    this.timer = setTimeout(() => this.onTimer(), Math.max(1, this.idleAt - Date.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    if (!this.wake) return; // nobody waits: the next wait sets it again
    if (this.idleAt > Date.now()) this.armTimer();
    else this.notify();
  }

  private notify(): void {
    this.wake?.();
  }
}
