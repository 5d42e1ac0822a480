import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
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
    // The wait between attempts is mocked: time passes only by tick(), so "no attempt after stop" is checked
    // over as many intervals as we like, without a pause.
    mock.timers.enable({ apis: ['setTimeout'] });
    const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
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
    try {
      await loop.start();
      await settle();
      for (let interval = 1; interval <= 3; interval++) {
        mock.timers.tick(5);
        await settle();
        assert.equal(attempts, 1 + interval, `an attempt per interval (${interval})`);
      }
      const stopping = loop.stop();
      mock.timers.tick(5); // ends the wait it is in; stopped, it opens nothing more
      await stopping;
      const after = attempts;
      mock.timers.tick(30);
      await settle();
      assert.equal(after, 4, 'stopped during its wait, it opened nothing more');
      assert.equal(attempts, after, 'six more intervals after stop: no attempt');
    } finally {
      mock.timers.reset();
    }
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
