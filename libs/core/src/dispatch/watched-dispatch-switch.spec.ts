import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../testing/wait-for';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { DispatchHold } from './dispatch-hold';
import type { DispatchSwitch, DispatchSwitchRepository } from './dispatch-switch.repository';
import { WatchedDispatchSwitch } from './watched-dispatch-switch';

/** The dispatch subject of a log, as the switch sees it through its repository: reads counted, the watch in the test's hand. */
class FakeSwitchLog {
  reads = 0;
  /** Set: every read fails, as with NATS away. */
  failing = false;
  latest: DispatchSwitch = { state: { status: 'RUNNING', reason: '' }, sequence: 0, since: null, eventId: null } as DispatchSwitch;
  watcher: (eventId: string | undefined) => void = () => undefined;

  asRepository(): DispatchSwitchRepository {
    return {
      read: () => {
        this.reads++;
        return this.failing ? Promise.reject(new Error('no responders')) : Promise.resolve(this.latest);
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

/** Runs `check` against a switch over `log` that has read it once, and stops the switch after. */
async function withSwitch(log: FakeSwitchLog, check: (dispatchSwitch: WatchedDispatchSwitch) => Promise<void>): Promise<void> {
  const dispatchSwitch = new WatchedDispatchSwitch(log.asRepository());
  await dispatchSwitch.fresh();
  try {
    await check(dispatchSwitch);
  } finally {
    dispatchSwitch.beforeApplicationShutdown();
  }
}

describe('WatchedDispatchSwitch: the switch folded once, kept current by its watch', () => {
  it('answers job events from what it read at start: no read of the log per job event', async () => {
    const log = new FakeSwitchLog();
    log.store('PAUSED', 5, 'pause-1');
    await withSwitch(log, async (dispatchSwitch) => {
      assert.equal(log.reads, 1);
      assert.equal(await dispatchSwitch.pausedBefore(4), false, 'appended before the pause');
      assert.equal(await dispatchSwitch.pausedBefore(6), true, 'appended after it');
      assert.equal(await dispatchSwitch.pausedBefore(7), true);
      assert.equal(log.reads, 1);
    });
  });

  it('after the watch names a dispatch event, job events read the log until it holds that event, then the switch is fresh again', async () => {
    const log = new FakeSwitchLog();
    await withSwitch(log, async (dispatchSwitch) => {
      // Seen by the watch, not stored yet: a job event read now was appended before it.
      log.watcher('pause-1');
      assert.equal(await dispatchSwitch.pausedBefore(10), false);
      log.store('PAUSED', 11, 'pause-1');
      const before = log.reads;
      assert.equal(await dispatchSwitch.pausedBefore(12), true, 'appended after the pause');
      assert.equal(log.reads, before + 1);
      assert.equal(await dispatchSwitch.pausedBefore(13), true);
      assert.equal(log.reads, before + 1, 'fresh: no more reads');
    });
  });

  it('a reconnect (the watch may have missed an event) makes the next job event read once', async () => {
    const log = new FakeSwitchLog();
    await withSwitch(log, async (dispatchSwitch) => {
      log.store('PAUSED', 20, 'pause-2'); // appended while the connection was away: no watch message
      log.watcher(undefined);
      const before = log.reads;
      assert.equal(await dispatchSwitch.pausedBefore(21), true);
      assert.equal(await dispatchSwitch.pausedBefore(22), true);
      assert.ok(log.reads <= before + 2, `${log.reads - before} reads (the watch's own and at most one for the job events)`);
      const settled = log.reads;
      assert.equal(await dispatchSwitch.pausedBefore(23), true);
      assert.equal(log.reads, settled);
    });
  });
});

/** The value of a gauge the hold registered, as /metrics would show it. */
async function gauge(metrics: MetricsRegistry, name: string): Promise<number> {
  return (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
}

interface HoldWorld {
  dispatchSwitch: WatchedDispatchSwitch;
  metrics: MetricsRegistry;
  hold: DispatchHold;
}

/** Runs `check` against a hold over a switch over `log`, and stops both after (as a service's shutdown does). */
async function withHold(log: FakeSwitchLog, check: (world: HoldWorld) => Promise<void>): Promise<void> {
  const dispatchSwitch = new WatchedDispatchSwitch(log.asRepository());
  const metrics = new MetricsRegistry('test');
  const hold = new DispatchHold(dispatchSwitch, metrics);
  try {
    await check({ dispatchSwitch, metrics, hold });
  } finally {
    hold.beforeApplicationShutdown();
    dispatchSwitch.beforeApplicationShutdown();
  }
}

const holdingLoops = (metrics: MetricsRegistry, count: number) =>
  waitFor(`${count} loop(s) to hold`, () => gauge(metrics, 'mpr_dispatch_holding_work'), { done: (n) => n === count, timeoutMs: 2_000 });

describe('DispatchHold: the workers ask the same watched switch', () => {
  it('while dispatching, each pull goes ahead on what the watch keeps: one read for many pulls', async () => {
    const log = new FakeSwitchLog();
    await withHold(log, async ({ hold }) => {
      for (let pull = 0; pull < 5; pull++) await hold.untilDispatching();
      assert.equal(log.reads, 1);
    });
  });

  it('while paused, loops wait (counted in the gauge) and go on once the watch names the resume; the scheduler question shares the reads', async () => {
    const log = new FakeSwitchLog();
    log.store('PAUSED', 5, 'pause-1');
    await withHold(log, async ({ dispatchSwitch, metrics, hold }) => {
      let released = 0;
      const loops = [hold.untilDispatching(), hold.untilDispatching()].map((loop) => loop.then(() => released++));
      await holdingLoops(metrics, 2);
      assert.equal(await dispatchSwitch.pausedBefore(6), true, 'the scheduler sees the same pause');
      assert.equal(released, 0);
      assert.ok(log.reads <= 2, `${log.reads} reads for two loops and a question`);

      log.store('RUNNING', 9, 'resume-1');
      log.watcher('resume-1');
      await Promise.all(loops);
      assert.equal(released, 2);
      assert.equal(await gauge(metrics, 'mpr_dispatch_holding_work'), 0);
      assert.equal(await dispatchSwitch.pausedBefore(10), false);
    });
  });

  it('a switch that cannot be read holds nothing back', async () => {
    const log = new FakeSwitchLog();
    log.failing = true;
    await withHold(log, async ({ hold }) => {
      await hold.untilDispatching();
      assert.equal(log.reads, 1);
    });
  });

  it('a service stopping releases the loops it holds', async () => {
    const log = new FakeSwitchLog();
    log.store('PAUSED', 5, 'pause-1');
    let loop: Promise<void> | undefined;
    let metrics: MetricsRegistry | undefined;
    await withHold(log, async (world) => {
      metrics = world.metrics;
      loop = world.hold.untilDispatching();
      await holdingLoops(world.metrics, 1);
    });
    await loop;
    assert.equal(await gauge(metrics!, 'mpr_dispatch_holding_work'), 0);
  });
});
