import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { createTestStreams, type TestStreams, uniqueSuffix } from '../testing/test-infra';
import type { AggregateRef } from '../events/event.types';
import { assetDecider } from './asset.decider';
import { handleCommand } from './command-handler';
import { fold } from './decider';
import { ConcurrencyConflict, IllegalTransition } from '../errors/domain.errors';
import { type JobEvent, jobDecider } from './job.decider';

const CLIENTS = 20;

describe('handleCommand against real JetStream', () => {
  let t: TestStreams;
  before(async () => {
    t = await createTestStreams();
  });
  after(() => t.cleanup());

  async function createJob(): Promise<AggregateRef> {
    const ref: AggregateRef = { type: 'job', id: `job-${uniqueSuffix()}` };
    await handleCommand(t.store, ref, jobDecider, {
      type: 'CreateJob',
      jobId: ref.id,
      sourceAssetId: 'asset-1',
      presetId: 'preset-1',
      outputFilename: 'out.mp4',
      executor: Executor.UNSPECIFIED,
      chunked: false,
      priority: Priority.NORMAL,
    });
    return ref;
  }

  it(`${CLIENTS} concurrent clients on one job: each version written once, losers retry, state equals a serial fold`, async () => {
    const ref = await createJob();
    // Each client changes the priority away from whatever it finds; every command thus writes one event.
    const results = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        let conflicts = 0;
        for (;;) {
          const { state } = await t.store.load(ref).then((l) => ({
            state: fold(
              jobDecider,
              l.events.map((e) => e.event as JobEvent),
            ),
          }));
          const next = state.priority === Priority.HIGH ? Priority.LOW : Priority.HIGH;
          const result = await handleCommand(t.store, ref, jobDecider, { type: 'ChangeJobPriority', jobId: ref.id, priority: next }, { maxAttempts: 1 }).catch(
            (err: unknown) => {
              if (err instanceof ConcurrencyConflict) return null;
              throw err;
            },
          );
          if (result && result.events.length === 1) return { conflicts, result };
          conflicts++;
        }
      }),
    );
    const loaded = await t.store.load(ref);
    assert.equal(loaded.events.length, CLIENTS + 1, 'one event per command, plus JobCreated');
    const versions = results.map((r) => r.result.version).sort((a, b) => a - b);
    assert.equal(new Set(versions).size, CLIENTS, 'no version written twice');
    assert.deepEqual(
      versions,
      loaded.events.slice(1).map((e) => e.sequence),
    );
    assert.ok(
      results.some((r) => r.conflicts > 0),
      'some clients lost a race and retried',
    );
    const serial = fold(
      jobDecider,
      loaded.events.map((e) => e.event as JobEvent),
    );
    // Priorities alternate in log order: a lost update would show two equal neighbours.
    const sequence = loaded.events.slice(1).map((e) => (e.event.case === 'jobPriorityChanged' ? e.event.value.priority : -1));
    for (let i = 1; i < sequence.length; i++) assert.notEqual(sequence[i], sequence[i - 1], `events ${i - 1} and ${i}`);
    assert.equal(serial.priority, sequence.at(-1));
  });

  it(`${CLIENTS} concurrent commands through the handler's own retry all succeed`, async () => {
    const ref: AggregateRef = { type: 'asset', id: `asset-${uniqueSuffix()}` };
    await handleCommand(t.store, ref, assetDecider, { type: 'RegisterAsset', assetId: ref.id, filePath: 'a.mp4', filename: 'a.mp4', fileSize: 1n, root: 'in' });
    // The collision is forced, not hoped for: every client's first read waits until all have read, so all but one
    // append against a stale version. The store is the real one; only the first reads are held back.
    let firstReads = 0;
    let allRead: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => (allRead = resolve));
    const store = Object.create(t.store) as typeof t.store;
    store.load = async (aggregate) => {
      const loaded = await t.store.load(aggregate);
      if (firstReads < CLIENTS) {
        if (++firstReads === CLIENTS) allRead();
        await barrier;
      }
      return loaded;
    };
    const results = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) => handleCommand(store, ref, assetDecider, { type: 'UpdateAsset', assetId: ref.id, comments: `client ${i}` })),
    );
    const loaded = await t.store.load(ref);
    assert.equal(loaded.events.length, CLIENTS + 1);
    assert.equal(new Set(results.map((r) => r.version)).size, CLIENTS);
    assert.equal(results.filter((r) => r.conflicts > 0).length, CLIENTS - 1, 'every client but the first writer met a conflict and retried');
    const serial = fold(
      assetDecider,
      loaded.events.map((e) => e.event as Parameters<typeof assetDecider.evolve>[1]),
    );
    const last = loaded.events.at(-1)!.event;
    assert.equal(last.case, 'assetUpdated');
    assert.equal(serial.comments, last.case === 'assetUpdated' ? last.value.comments : undefined);
  });

  it('only one of many concurrent StartJob commands wins; the others get IllegalTransition', async () => {
    const ref = await createJob();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        handleCommand(t.store, ref, jobDecider, { type: 'StartJob', jobId: ref.id, workerId: `w${i}`, executor: Executor.LOCAL }),
      ),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const lost of outcomes.filter((o) => o.status === 'rejected')) {
      assert.ok((lost as PromiseRejectedResult).reason instanceof IllegalTransition);
      assert.match((lost as PromiseRejectedResult).reason.message, /in state PROCESSING/);
    }
    assert.equal((await t.store.load(ref)).events.length, 2);
  });

  it('a command retried with its id is applied once and reports the first outcome', async () => {
    const ref = await createJob();
    const command = { type: 'CancelJob' as const, jobId: ref.id, reason: 'user' };
    const first = await handleCommand(t.store, ref, jobDecider, command, { commandId: 'cancel-1' });
    const again = await handleCommand(t.store, ref, jobDecider, command, { commandId: 'cancel-1' });
    assert.equal(first.replayed, false);
    assert.equal(again.replayed, true);
    assert.equal(again.version, first.version);
    assert.equal((await t.store.load(ref)).events.length, 2);
  });
});
