import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WakeSignal } from './wake-signal';

describe('WakeSignal', () => {
  it('keeps a notify that comes before the wait', async () => {
    const signal = new WakeSignal();
    signal.notify();
    assert.equal(signal.pending, true);
    assert.equal(await signal.wait(1_000), true);
    assert.equal(signal.pending, false);
  });

  it('forgets a notify taken back by reset', async () => {
    const signal = new WakeSignal();
    signal.notify();
    signal.reset();
    assert.equal(await signal.wait(10), false);
  });

  it('wakes every waiter', async () => {
    const signal = new WakeSignal();
    const waits = [signal.wait(1_000), signal.wait()];
    signal.notify();
    assert.deepEqual(await Promise.all(waits), [true, true]);
  });
});
