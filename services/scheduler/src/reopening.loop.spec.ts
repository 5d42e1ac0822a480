import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { waitFor } from '@mpr/core/testing/wait-for';
import { ReopeningLoop } from './reopening.loop';

/** A source that yields its values, then ends or fails, or waits until stopped. */
class FakeSource {
  stopped = false;
  private wake?: () => void;

  constructor(
    readonly values: number[],
    readonly then: 'end' | 'fail' | 'wait',
  ) {}

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
  }

  async drainInto(seen: number[]): Promise<void> {
    seen.push(...this.values);
    if (this.then === 'fail') throw new Error('consumer deleted');
    if (this.then === 'wait' && !this.stopped) await new Promise<void>((resolve) => (this.wake = resolve));
  }
}

describe('ReopeningLoop', () => {
  it('opens a new source whenever one ends or fails, until stopped', async () => {
    const sources = [new FakeSource([1], 'fail'), new FakeSource([2], 'end'), new FakeSource([3], 'wait')];
    const opened: FakeSource[] = [];
    const errors: string[] = [];
    const seen: number[] = [];
    const loop = new ReopeningLoop(
      'the fake',
      async () => {
        const source = sources.shift();
        if (!source) throw new Error('no more sources');
        opened.push(source);
        return source;
      },
      (source) => source.drainInto(seen),
      { error: (message: string) => errors.push(message) },
      5,
    );
    await loop.start();
    await waitFor('the third source to be read', () => seen.length, { done: (n) => n >= 3 });
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual(errors, ['the fake failed: consumer deleted']);
    await loop.stop();
    assert.equal(opened.at(-1)?.stopped, true);
  });

  it('keeps trying to open, and stops trying when stopped', async () => {
    let attempts = 0;
    const loop = new ReopeningLoop(
      'the fake',
      async () => {
        attempts++;
        if (attempts === 1) return new FakeSource([], 'end');
        throw new Error('NATS is down');
      },
      (source) => source.drainInto([]),
      { error: () => undefined },
      5,
    );
    await loop.start();
    await waitFor('more than three attempts to open', () => attempts, { done: (n) => n > 3 });
    await loop.stop();
    const after = attempts;
    // Not a condition but its absence: six retry intervals in which a loop still running would have tried again.
    await sleep(30);
    assert.equal(attempts, after);
  });

  it('fails the start when the first source cannot be opened', async () => {
    const loop = new ReopeningLoop(
      'the fake',
      () => Promise.reject(new Error('no stream')),
      async () => undefined,
      { error: () => undefined },
      5,
    );
    await assert.rejects(loop.start(), /no stream/);
  });
});
