import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { AssetUpdatedSchema } from '@mpr/contracts/asset_pb';
import { Priority } from '@mpr/contracts/common_pb';
import { JobCreatedSchema, JobPriorityChangedSchema } from '@mpr/contracts/job_pb';
import { ConcurrencyConflict } from '../errors/domain.errors';
import { createTestStreams, type TestStreams, uniqueSuffix } from '../testing/test-infra';
import { waitFor } from '../testing/wait-for';
import { EVENT_TYPE_HEADER } from './event-store';
import type { AggregateRef, DomainEvent } from './event.types';
import { ensureStreams } from './streams';

const now = new Date('2026-11-25T10:00:00Z');
const jobRef = (): AggregateRef => ({ type: 'job', id: `job-${uniqueSuffix()}` });
const created = (jobId: string): DomainEvent => ({
  case: 'jobCreated',
  value: create(JobCreatedSchema, { jobId, sourceAssetId: 'a1', presetId: 'p1', outputFilename: 'out.mp4', priority: Priority.NORMAL }),
});
const prioritized = (jobId: string, priority: Priority): DomainEvent => ({
  case: 'jobPriorityChanged',
  value: create(JobPriorityChangedSchema, { jobId, priority }),
});

describe('EventStore on JetStream', () => {
  let t: TestStreams;
  before(async () => {
    t = await createTestStreams();
  });
  after(async () => {
    await t.cleanup();
  });

  it('creates the three streams with their retention, and doing it again changes nothing', async () => {
    const jsm = await jetstreamManager(t.nc);
    await ensureStreams(jsm, t.names);
    const events = await jsm.streams.info(t.names.events);
    const work = await jsm.streams.info(t.names.work);
    const telemetry = await jsm.streams.info(t.names.telemetry);
    assert.equal(events.config.storage, StorageType.File);
    assert.equal(events.config.retention, RetentionPolicy.Limits);
    assert.equal(events.config.max_age, 0);
    assert.deepEqual(events.config.subjects, [`${t.names.subjectRoot}.events.>`]);
    assert.equal(work.config.retention, RetentionPolicy.Workqueue);
    assert.equal(telemetry.config.max_msgs_per_subject, 1);
    assert.ok(telemetry.config.max_age > 0);
  });

  it('appends and loads an aggregate, each event at its stream sequence', async () => {
    const ref = jobRef();
    const v1 = await t.store.append(ref, [created(ref.id)], { expectedVersion: 0, commandId: 'c1', now });
    const v2 = await t.store.append(ref, [prioritized(ref.id, Priority.HIGH)], { expectedVersion: v1, commandId: 'c2', now });
    const loaded = await t.store.load(ref);
    assert.equal(loaded.version, v2);
    assert.deepEqual(
      loaded.events.map((e) => [e.sequence, e.type, e.commandId, e.aggregate.id]),
      [
        [v1, 'JobCreated', 'c1', ref.id],
        [v2, 'JobPriorityChanged', 'c2', ref.id],
      ],
    );
    assert.equal(loaded.events[0].occurredAt.toISOString(), now.toISOString());
    assert.deepEqual(loaded.events[1].event, prioritized(ref.id, Priority.HIGH));
  });

  it('chains several events of one append, each expecting the one before', async () => {
    const ref = jobRef();
    const version = await t.store.append(ref, [created(ref.id), prioritized(ref.id, Priority.LOW)], {
      expectedVersion: 0,
      commandId: 'multi',
      now,
    });
    const loaded = await t.store.load(ref);
    assert.equal(loaded.events.length, 2);
    assert.equal(loaded.version, version);
    assert.deepEqual(
      loaded.events.map((e) => e.id),
      ['multi-0', 'multi-1'],
    );
  });

  it('stores a person-readable payload (protobuf JSON) with the event type in a header', async () => {
    const ref = jobRef();
    const seq = await t.store.append(ref, [created(ref.id)], { expectedVersion: 0, commandId: 'readable', now });
    const jsm = await jetstreamManager(t.nc);
    const msg = await jsm.streams.getMessage(t.names.events, { seq });
    assert.ok(msg);
    assert.equal(msg.subject, `${t.names.subjectRoot}.events.job.${ref.id}`);
    assert.equal(msg.header.get(EVENT_TYPE_HEADER), 'JobCreated');
    assert.equal(msg.header.get('Nats-Msg-Id'), 'readable-0');
    const payload = msg.json<Record<string, unknown>>();
    assert.equal(payload.type, 'JobCreated');
    assert.equal(payload.aggregateType, 'job');
    assert.equal(payload.occurredAt, '2026-11-25T10:00:00Z');
    assert.deepEqual(payload.jobCreated, {
      jobId: ref.id,
      sourceAssetId: 'a1',
      presetId: 'p1',
      outputFilename: 'out.mp4',
      priority: 'PRIORITY_NORMAL',
    });
  });

  it('refuses a second "first" event of an aggregate with ConcurrencyConflict', async () => {
    const ref = jobRef();
    await t.store.append(ref, [created(ref.id)], { expectedVersion: 0, commandId: 'first', now });
    await assert.rejects(
      t.store.append(ref, [created(ref.id)], { expectedVersion: 0, commandId: 'second', now }),
      (err: unknown) => err instanceof ConcurrencyConflict && err.expectedVersion === 0 && /concurrent write/.test(err.message),
    );
    assert.equal((await t.store.load(ref)).events.length, 1);
  });

  it('refuses an append that expects a stale version', async () => {
    const ref = jobRef();
    const v1 = await t.store.append(ref, [created(ref.id)], { expectedVersion: 0, commandId: 'a', now });
    await t.store.append(ref, [prioritized(ref.id, Priority.HIGH)], { expectedVersion: v1, commandId: 'b', now });
    await assert.rejects(t.store.append(ref, [prioritized(ref.id, Priority.LOW)], { expectedVersion: v1, commandId: 'c', now }), ConcurrencyConflict);
  });

  it('stores an append sent twice with one message id once', async () => {
    const ref = jobRef();
    const first = await t.store.append(ref, [created(ref.id)], { expectedVersion: 0, commandId: 'retried', now });
    // The retry of a publish whose ack was lost: same command id, same expectation.
    const second = await t.store.append(ref, [created(ref.id)], { expectedVersion: 0, commandId: 'retried', now });
    assert.equal(second, first);
    const loaded = await t.store.load(ref);
    assert.equal(loaded.events.length, 1);
  });

  it('loads an aggregate that has no events as version 0', async () => {
    const loaded = await t.store.load(jobRef());
    assert.deepEqual(loaded, { events: [], version: 0 });
  });

  it('keeps aggregates apart even when one id is a prefix of another', async () => {
    const ref = jobRef();
    const longer: AggregateRef = { type: 'job', id: `${ref.id}-2` };
    await t.store.append(ref, [created(ref.id)], { expectedVersion: 0, commandId: 'p1', now });
    await t.store.append(longer, [created(longer.id)], { expectedVersion: 0, commandId: 'p2', now });
    assert.equal((await t.store.load(ref)).events.length, 1);
    const asset: AggregateRef = { type: 'asset', id: ref.id };
    assert.equal((await t.store.load(asset)).events.length, 0);
  });

  it('refuses aggregate ids that would change the subject', async () => {
    await assert.rejects(
      t.store.append({ type: 'job', id: 'a.b' }, [created('a.b')], { expectedVersion: 0, commandId: 'x', now }),
      /may hold only letters, digits/,
    );
    await assert.rejects(t.store.load({ type: 'job', id: '*' }), /may hold only letters, digits/);
  });

  it('subscribes from a sequence: the log first, then live events', async () => {
    const ref = jobRef();
    const v1 = await t.store.append(ref, [created(ref.id)], { expectedVersion: 0, commandId: 's1', now });
    const v2 = await t.store.append(ref, [prioritized(ref.id, Priority.HIGH)], { expectedVersion: v1, commandId: 's2', now });
    const subscription = await t.store.subscribe(v2);
    const seen: number[] = [];
    const reading = (async () => {
      for await (const stored of subscription) {
        seen.push(stored.sequence);
        if (seen.length === 2) break;
      }
    })();
    const asset: AggregateRef = { type: 'asset', id: `asset-${uniqueSuffix()}` };
    const v3 = await t.store.append(asset, [{ case: 'assetUpdated', value: create(AssetUpdatedSchema, { assetId: asset.id, comments: 'x' }) }], {
      expectedVersion: 0,
      commandId: 's3',
      now,
    });
    await reading;
    await subscription.stop();
    assert.deepEqual(seen, [v2, v3]);
  });

  it('keeps following when its consumer is lost: a replacement starts after the last event handed out, none skipped or twice', async () => {
    const jsm = await jetstreamManager(t.nc);
    const asset: AggregateRef = { type: 'asset', id: `asset-${uniqueSuffix()}` };
    let version = 0;
    const append = async (n: number) => {
      version = await t.store.append(asset, [{ case: 'assetUpdated', value: create(AssetUpdatedSchema, { assetId: asset.id, comments: `c${n}` }) }], {
        expectedVersion: version,
        commandId: `lost-${asset.id}-${n}`,
        now,
      });
      return version;
    };
    const first = await append(0);
    const reopened: string[] = [];
    const subscription = await t.store.subscribe(first, (reason) => reopened.push(reason));
    const seen: number[] = [];
    const reading = (async () => {
      for await (const stored of subscription) seen.push(stored.sequence);
    })();
    const appended = [first];
    try {
      await waitFor('the first event', () => seen.length, { done: (n) => n === 1 });
      // What a slow-consumer disconnect, a lost delivery or a server restart leaves behind: the server's side of the consumer gone.
      for await (const consumer of await jsm.consumers.list(t.names.events)) await jsm.consumers.delete(t.names.events, consumer.name);
      for (let n = 1; n <= 5; n++) {
        const sequence = await append(n);
        appended.push(sequence);
        // Bound: a pull expires after 2 s and a lost consumer shows within two heartbeats (1 s each); nats.js on its own took 45 s.
        await waitFor(`event ${sequence} to be handed out`, () => seen.at(-1), { done: (last) => last === sequence, timeoutMs: 10_000 });
      }
    } finally {
      await subscription.stop();
      await reading;
    }
    assert.deepEqual(seen, appended);
    assert.ok(reopened.length >= 1, 'the lost consumer was replaced');
  });
});
