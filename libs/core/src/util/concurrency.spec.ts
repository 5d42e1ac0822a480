import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConcurrencyLimit } from './concurrency';

/** A task that runs until `release()` is called, noting when it started. */
function gate(started: string[], name: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return { task: async () => (started.push(name), await released, name), release: () => release() };
}

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once and starts the waiting ones in the order they came, as slots free', async () => {
    const limit = new ConcurrencyLimit(2);
    const started: string[] = [];
    const queued: string[] = [];
    const gates = ['a', 'b', 'c', 'd'].map((name) => ({ name, ...gate(started, name) }));
    const done = gates.map(({ name, task }) => limit.run(task, () => queued.push(name)));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, ['a', 'b']);
    assert.deepEqual(queued, ['c', 'd']);
    assert.equal(limit.running, 2);
    gates[1].release();
    assert.equal(await done[1], 'b');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, ['a', 'b', 'c']);
    assert.equal(limit.running, 2);
    for (const g of gates) g.release();
    assert.deepEqual(await Promise.all(done), ['a', 'b', 'c', 'd']);
    assert.equal(limit.running, 0);
  });

  it('frees the slot of a task that throws', async () => {
    const limit = new ConcurrencyLimit(1);
    await assert.rejects(
      limit.run(async () => {
        throw new Error('ffmpeg failed');
      }),
      /ffmpeg failed/,
    );
    assert.equal(limit.running, 0);
    assert.equal(await limit.run(async () => 'next'), 'next');
  });

  it('refuses a limit below one', () => {
    assert.throws(() => new ConcurrencyLimit(0), RangeError);
  });
});
