import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions<T> {
  /** How long the condition may take; a bound on a latency is generous and says why at the call site. */
  timeoutMs?: number;
  /** How often to look again when nothing wakes the wait sooner. */
  intervalMs?: number;
  /** When the value read counts as done; by default, when it is truthy. */
  done?: (value: T) => boolean;
  /** What the last value read was, for the timeout's message. */
  describe?: (value: T) => string;
  /** Subscribes `wake` to whatever signals a change (e.g. a NATS subject); returns the unsubscribe. */
  wakeOn?: (wake: () => void) => () => void;
}

export class WaitTimeout extends Error {
  override name = 'WaitTimeout';
}

/**
 * The one way tests wait: reads `read()` until it is done or the deadline
 * passes, then fails naming what it waited for and what it saw last. Never a
 * bare sleep standing in for a condition.
 */
export async function waitFor<T>(what: string, read: () => T | Promise<T>, options: WaitOptions<T> = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 25, done = Boolean, describe = (value: T) => String(value) } = options;
  const deadline = Date.now() + timeoutMs;
  let wakeUp: (() => void) | null = null;
  // A wake while read() runs may come after what it read: the next read must not wait for the interval.
  let wokenDuringRead = false;
  const unsubscribe = options.wakeOn?.(() => (wakeUp ? wakeUp() : (wokenDuringRead = true)));
  try {
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new WaitTimeout(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${describe(value)}`);
      if (wokenDuringRead) {
        wokenDuringRead = false;
        continue;
      }
      const ac = new AbortController();
      wakeUp = () => ac.abort();
      await sleep(Math.min(remaining, intervalMs), undefined, { signal: ac.signal }).catch(() => undefined);
      wakeUp = null;
    }
  } finally {
    unsubscribe?.();
  }
}
