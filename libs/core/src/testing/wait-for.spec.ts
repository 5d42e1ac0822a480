import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor, WaitTimeout } from './wait-for';

describe('waitFor', () => {
  it('returns the first value that is done', async () => {
    let reads = 0;
    const value = await waitFor('the third read', () => ++reads, { done: (n) => n >= 3, intervalMs: 1 });
    assert.equal(value, 3);
  });

  it('fails after its deadline, naming what it waited for and the last value', async () => {
    await assert.rejects(
      waitFor('a job to complete', () => 'PROCESSING', { done: (s) => s === 'COMPLETED', timeoutMs: 50, intervalMs: 10 }),
      (err: unknown) => err instanceof WaitTimeout && err.message === 'timed out after 50 ms waiting for a job to complete; last seen: PROCESSING',
    );
  });

  it('reads again as soon as it is woken, not at the next interval', async () => {
    let wake: () => void = () => undefined;
    let ready = false;
    let unsubscribed = false;
    const waiting = waitFor('the flag', () => ready, {
      // An interval far beyond the test's own timeout: only the wake can end this wait in time.
      intervalMs: 3_600_000,
      timeoutMs: 7_200_000,
      wakeOn: (w) => {
        wake = w;
        return () => (unsubscribed = true);
      },
    });
    await new Promise((resolve) => setImmediate(resolve));
    ready = true;
    wake();
    assert.equal(await waiting, true);
    assert.equal(unsubscribed, true);
  });

  it('reads again at once when woken while it was reading (the change came after the read saw the old value)', async () => {
    let wake: () => void = () => undefined;
    let reads = 0;
    const value = await waitFor(
      'the second read',
      () => {
        reads++;
        // The change and its wake land while the first read is under way.
        if (reads === 1) wake();
        return reads;
      },
      {
        done: (n) => n >= 2,
        intervalMs: 3_600_000,
        timeoutMs: 7_200_000,
        wakeOn: (w) => {
          wake = w;
          return () => undefined;
        },
      },
    );
    assert.equal(value, 2);
  });
});
