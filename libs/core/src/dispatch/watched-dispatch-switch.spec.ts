import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DispatchSwitch, DispatchSwitchRepository } from '@mpr/core';
import { DispatchGate } from './dispatch.gate';
import type { SchedulerMetrics } from './scheduler.metrics';

/** The dispatch subject of a log, as the gate sees it through its repository: reads counted, the watch in the test's hand. */
class FakeSwitchLog {
  reads = 0;
  latest: DispatchSwitch = { state: { status: 'RUNNING', reason: '' }, sequence: 0, since: null, eventId: null } as DispatchSwitch;
  watcher: (eventId: string | undefined) => void = () => undefined;

  asRepository(): DispatchSwitchRepository {
    return {
      read: () => {
        this.reads++;
        return Promise.resolve(this.latest);
      },
      watch: (onEvent: (eventId: string | undefined) => void) => {
        this.watcher = onEvent;
        return { stop: () => undefined };
      },
    } as unknown as DispatchSwitchRepository;
  }

  /** A dispatch event stored at `sequence`. */
  store(status: 'PAUSED' | 'RUNNING', sequence: number, eventId: string): void {
    this.latest = { state: { status, reason: status === 'PAUSED' ? 'test' : '' }, sequence, since: new Date(), eventId } as DispatchSwitch;
  }
}

const metrics = { switchReads: { inc: () => undefined }, dispatchPaused: { set: () => undefined } } as unknown as SchedulerMetrics;

/** Runs `check` against a started gate over `log`, and stops the gate after. */
async function withGate(log: FakeSwitchLog, check: (gate: DispatchGate) => Promise<void>): Promise<void> {
  const gate = new DispatchGate(log.asRepository(), metrics);
  await gate.start();
  try {
    await check(gate);
  } finally {
    gate.stop();
  }
}

describe('DispatchGate: the switch folded once, kept current by its watch', () => {
  it('answers job events from what it read at start: no read of the log per job event', async () => {
    const log = new FakeSwitchLog();
    log.store('PAUSED', 5, 'pause-1');
    await withGate(log, async (gate) => {
      assert.equal(log.reads, 1);
      assert.equal(await gate.holds(4), false, 'appended before the pause');
      assert.equal(await gate.holds(6), true, 'appended after it');
      assert.equal(await gate.holds(7), true);
      assert.equal(log.reads, 1);
    });
  });

  it('after the watch names a dispatch event, job events read the log until it holds that event, then the gate is fresh again', async () => {
    const log = new FakeSwitchLog();
    await withGate(log, async (gate) => {
      // Seen by the watch, not stored yet: a job event read now was appended before it.
      log.watcher('pause-1');
      assert.equal(await gate.holds(10), false);
      log.store('PAUSED', 11, 'pause-1');
      const before = log.reads;
      assert.equal(await gate.holds(12), true, 'appended after the pause');
      assert.equal(log.reads, before + 1);
      assert.equal(await gate.holds(13), true);
      assert.equal(log.reads, before + 1, 'fresh: no more reads');
    });
  });

  it('a reconnect (the watch may have missed an event) makes the next job event read once', async () => {
    const log = new FakeSwitchLog();
    await withGate(log, async (gate) => {
      log.store('PAUSED', 20, 'pause-2'); // appended while the connection was away: no watch message
      log.watcher(undefined);
      const before = log.reads;
      assert.equal(await gate.holds(21), true);
      assert.equal(await gate.holds(22), true);
      assert.ok(log.reads <= before + 2, `${log.reads - before} reads (the watch's own and at most one for the job events)`);
      const settled = log.reads;
      assert.equal(await gate.holds(23), true);
      assert.equal(log.reads, settled);
    });
  });
});
