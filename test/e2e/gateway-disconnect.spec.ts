import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { PROTOCOLS, suiteGateway, waitFor } from './gateway-harness';

/** The target is a second; time bounds in tests allow 5× their target (docs/architecture.md, Tests) on this shared machine. */
const RELEASE_BOUND_MS = 5_000;
const RELEASE_TARGET_MS = 1_000;

/** Live sources while the four RPCs run: MPR_EVENTS, every job's progress, the job's progress, its chunker steps, its segment reports, worker presence. */
const FEEDS = 6;

describe('gateway: a client that goes away releases everything', () => {
  const gateway = suiteGateway({ MPR_GATEWAY_HEARTBEAT_SECONDS: '0.3' });

  /** What the gateway holds now: its streams and feeds (/metrics) and the JetStream consumers on its streams. */
  async function holdings() {
    const world = gateway();
    const [held, events, telemetry] = await Promise.all([
      world.held(),
      world.consumerCount(world.streams.names.events),
      world.consumerCount(world.streams.names.telemetry),
    ]);
    return { ...held, consumers: events + telemetry };
  }

  async function released(what: string, leftAt: number): Promise<number> {
    await waitFor(`${what}: everything released`, holdings, {
      done: (h) => h.streams === 0 && h.feeds === 0 && h.consumers === 0,
      describe: JSON.stringify,
      timeoutMs: RELEASE_BOUND_MS,
    });
    return Date.now() - leftAt;
  }

  for (const protocol of PROTOCOLS) {
    it(`${protocol}: its four streams, live, leave nothing once it aborts them`, async (t) => {
      const world = gateway();
      assert.deepEqual(await holdings(), { streams: 0, feeds: 0, consumers: 0 }, 'nothing held before');
      const { jobId, sequence } = await world.createJob(undefined, true);
      await world.publishChunkStep(jobId, 'planned', { attempt: 1 });
      const client = world.client(protocol);
      const controller = new AbortController();
      const signal = controller.signal;
      const received = [0, 0, 0, 0];
      const calls = [
        client.watchEvents({ fromSequence: BigInt(sequence), withProgress: true }, { signal }),
        client.watchJob({ jobId }, { signal }),
        client.watchChunkPipeline({ jobId }, { signal }),
        client.watchWorkers({}, { signal }),
      ].map(async (stream: AsyncIterable<unknown>, n) => {
        try {
          for await (const _ of stream) received[n]++;
        } catch (err) {
          if (!signal.aborted) throw err;
        }
      });
      await waitFor('every stream to send something', () => received, { done: (r) => r.every((n) => n > 0), describe: String });
      assert.deepEqual(await holdings(), { streams: 4, feeds: FEEDS, consumers: 3 }, 'four streams on six feeds (three of them JetStream consumers)');
      const leftAt = Date.now();
      controller.abort();
      await Promise.all(calls);
      const ms = await released(protocol, leftAt);
      t.diagnostic(`released in ${ms} ms`);
      assert.ok(ms <= RELEASE_BOUND_MS, `released in ${ms} ms (target ${RELEASE_TARGET_MS} ms)`);
    });
  }

  it('grpc-js: cancelled calls leave nothing', async (t) => {
    const world = gateway();
    const { jobId } = await world.createJob(undefined, true);
    const client = world.grpcJsClient();
    try {
      const calls: grpc.ClientReadableStream<Record<string, unknown>>[] = [
        client.watchEvents({ withProgress: true }),
        client.watchJob({ jobId }),
        client.watchChunkPipeline({ jobId }),
        client.watchWorkers({}),
      ];
      for (const call of calls) call.on('error', () => undefined); // CANCELLED, by us
      await waitFor('the four streams and their feeds', holdings, { done: (h) => h.streams === 4 && h.feeds === FEEDS, describe: JSON.stringify });
      const leftAt = Date.now();
      for (const call of calls) call.cancel();
      const ms = await released('grpc-js', leftAt);
      t.diagnostic(`released in ${ms} ms`);
      assert.ok(ms <= RELEASE_BOUND_MS, `released in ${ms} ms (target ${RELEASE_TARGET_MS} ms)`);
    } finally {
      client.close();
    }
  });
});
