import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import type { ChunkSegmentWorkItem } from '@mpr/contracts/work_pb';
import { createTestStreams, type TestStreams } from '@mpr/core/testing/test-infra';
import { ChunkWorkRepository } from './chunk-work.repository';
import type { ChunkerSettings } from './chunker.settings';
import { waitFor } from '@mpr/core/testing/wait-for';

const SETTINGS: ChunkerSettings = {
  workers: 1,
  jobs: 1,
  cores: 1,
  ackWaitMs: 500,
  maxDeliver: 2,
  retryDelayMs: 100,
  replicaId: 'test-1',
  tickMs: 250,
  stallMs: 120_000,
};

describe('ChunkWorkRepository (real NATS)', () => {
  let streams: TestStreams;
  let repository: ChunkWorkRepository;

  before(async () => {
    streams = await createTestStreams();
    repository = new ChunkWorkRepository(streams.nc, streams.names, SETTINGS);
    await repository.connect();
  });

  after(async () => {
    await streams?.cleanup();
  });

  it('counts the segment workers of every replica that answers, and at least its own', async () => {
    assert.deepEqual(await repository.capacity(1), { workers: 1, replicas: 1 }, 'alone, nobody else answering');
    const replicas = [2, 4].map((workers, i) => new ChunkWorkRepository(streams.nc, streams.names, { ...SETTINGS, replicaId: `test-${i + 2}`, workers }));
    const served = [repository.serveCapacity(1), ...replicas.map((r) => r.serveCapacity(r === replicas[0] ? 2 : 4))];
    await streams.nc.flush();
    try {
      assert.deepEqual(await repository.capacity(1), { workers: 7, replicas: 3 });
      // A replica that stops answering (shut down) is no longer counted.
      served[2].stop();
      await streams.nc.flush();
      assert.deepEqual(await repository.capacity(1), { workers: 3, replicas: 2 });
    } finally {
      for (const s of served) s.stop();
    }
  });

  it('reports a segment item whose deliveries ran out unsettled (its workers died) to every listener, and removes it from the queue once one claims it', async () => {
    const exhausted: ChunkSegmentWorkItem[] = [];
    const others: ChunkSegmentWorkItem[] = [];
    // Another coordinator's listener hears it too and leaves it alone.
    const other = repository.onSegmentExhausted((item) => {
      others.push(item);
      return false;
    });
    const watch = repository.onSegmentExhausted((item) => {
      exhausted.push(item);
      return true;
    });
    await streams.nc.flush();
    const item = {
      jobId: 'job-1',
      attempt: 1,
      index: 3,
      piece: 'piece-003.mkv',
      inputOffset: 6,
      cutStart: 5.98,
      cutEnd: 7.98,
      segmentCount: 5,
      audio: false,
      presetVersion: 0n,
    };
    await repository.enqueueSegment(item);
    // Two deliveries that are never acknowledged, as by two workers killed mid-encode.
    for (let delivery = 1; delivery <= SETTINGS.maxDeliver; delivery++) {
      const msg = await repository.next('segment');
      assert.equal(msg?.info.deliveryCount, delivery);
    }
    // The server gives up on the item when a worker asks for more after its last ack wait.
    assert.equal(await repository.next('segment'), null, 'nothing left to deliver');
    await waitFor('the exhausted segment to be announced', () => exhausted.length, { timeoutMs: 5_000, intervalMs: 50 });
    watch.stop();
    other.stop();
    assert.equal(exhausted.length, 1);
    assert.equal(others.length, 1);
    assert.deepEqual({ ...exhausted[0], $typeName: undefined }, { ...item, $typeName: undefined });
    // The listener runs before the deletion: give it its round trip.
    const jsm = await jetstreamManager(streams.nc);
    await waitFor('no item left in the work stream', async () => (await jsm.streams.info(streams.names.work)).state.messages, {
      done: (left) => left === 0,
      intervalMs: 50,
    });
  });
});
