import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import type { WatchEventsResponse } from '@mpr/contracts/gateway_pb';
import { TestNatsServer } from '@mpr/core/testing/nats-server';
import { collect, GatewayWorld, type ProtocolName, waitFor } from './gateway-harness';

/** The error a stream ended with (after any messages), or undefined if it ended cleanly. */
async function endOf(stream: AsyncIterable<unknown>): Promise<ConnectError | undefined> {
  try {
    for await (const _ of stream);
  } catch (err) {
    return ConnectError.from(err);
  }
  return undefined;
}

function eventSequences(items: WatchEventsResponse[]): number[] {
  return items.flatMap((i) => (i.kind.case === 'event' ? [Number(i.kind.value.sequence)] : []));
}

describe('gateway: the broker goes away and comes back', () => {
  let nats: TestNatsServer;
  let world: GatewayWorld;

  before(async () => {
    nats = await TestNatsServer.start();
    world = await GatewayWorld.start({}, { natsUrl: nats.url });
  });

  after(async () => {
    await nats.resume();
    await world?.stop();
    await nats.remove();
  });

  it('running streams end with unavailable when NATS stops, new calls are refused the same way, and all is served again once it is back', async () => {
    const { jobId, sequence } = await world.createJob();
    const protocols: ProtocolName[] = ['connect-json', 'grpc'];
    // Each stream is live (its event replayed, then heartbeats) before the broker goes.
    const streams = protocols.map((protocol) => {
      const controller = new AbortController();
      const seen: WatchEventsResponse[] = [];
      const ended = endOf(
        (async function* () {
          for await (const item of world.client(protocol).watchEvents({ fromSequence: 1n }, { signal: controller.signal })) {
            seen.push(item);
            yield item;
          }
        })(),
      );
      return { protocol, controller, seen, ended };
    });
    try {
      for (const s of streams)
        await waitFor(`${s.protocol} stream live`, () => s.seen.filter((i) => i.kind.case === 'heartbeat').length, { timeoutMs: 30_000 });
      for (const s of streams) assert.deepEqual(eventSequences(s.seen), [sequence], s.protocol);

      await nats.pause();
      for (const s of streams) {
        // Bounded so a hang fails here instead of at the test's timeout; the gateway hears the socket close at once.
        const error = await Promise.race([s.ended, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
        assert.ok(error instanceof ConnectError, `${s.protocol}: ${String(error)}`);
        assert.equal(error.code, Code.Unavailable, `${s.protocol}: ${error.message}`);
        assert.equal(error.rawMessage, 'the broker (NATS) is unavailable: retry, resuming from the last sequence received', s.protocol);
      }
      for (const protocol of protocols) {
        const error = await endOf(world.client(protocol).watchJob({ jobId }));
        assert.equal(error?.code, Code.Unavailable, `${protocol} while NATS is down: ${error?.message}`);
      }
      const health = await fetch(`${world.url}/healthz`);
      assert.equal(health.status, 503, 'healthz while NATS is down');

      await nats.resume();
      const later = await waitFor(
        'the gateway to serve again',
        async () => {
          try {
            return await world.createJob();
          } catch {
            return undefined;
          }
        },
        { timeoutMs: 30_000 },
      );
      assert.ok(later);
      for (const protocol of protocols) {
        const client = world.client(protocol);
        const items = await waitFor(
          `${protocol}: WatchEvents answers again`,
          async () => {
            try {
              return await collect<WatchEventsResponse>(
                (signal) => client.watchEvents({ fromSequence: BigInt(sequence) }, { signal }),
                (got) => eventSequences(got).length === 2,
                {
                  timeoutMs: 5_000,
                },
              );
            } catch (err) {
              if (ConnectError.from(err).code !== Code.Unavailable) throw err;
              return undefined;
            }
          },
          { timeoutMs: 30_000 },
        );
        assert.ok(items);
        // Resumed from the last sequence seen: the log kept what came before, and the new event follows.
        assert.deepEqual(eventSequences(items), [sequence, later.sequence], protocol);
      }
    } finally {
      for (const s of streams) s.controller.abort();
    }
  });
});
