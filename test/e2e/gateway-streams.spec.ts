import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { GatewayService, type WatchJobResponse, type WatchWorkersResponse } from '@mpr/contracts/gateway_pb';
import { ServiceProcess } from '@mpr/core/testing/service-process';
import { API_TOKEN, startApi } from './api-harness';
import { authorization, bufCurl, collect, GatewayWorld, PROTOCOLS, waitFor } from './gateway-harness';

async function codeOf(stream: AsyncIterable<unknown>): Promise<Code | undefined> {
  try {
    for await (const _ of stream) return undefined;
  } catch (err) {
    return ConnectError.from(err).code;
  }
  return undefined;
}

describe('gateway: errors, buf curl, resume, shared feeds', () => {
  let world: GatewayWorld;

  before(async () => {
    world = await GatewayWorld.start({ MPR_GATEWAY_HEARTBEAT_SECONDS: '0.5' });
  });

  after(() => world.stop());

  it('unknown job: not_found; a bad argument: invalid_argument', async () => {
    for (const protocol of PROTOCOLS) {
      const client = world.client(protocol);
      assert.equal(await codeOf(client.watchJob({ jobId: 'no-such-job' })), Code.NotFound, protocol);
      assert.equal(await codeOf(client.watchChunkPipeline({ jobId: 'no-such-job' })), Code.NotFound, protocol);
      assert.equal(await codeOf(client.watchJob({ jobId: 'a.b' })), Code.InvalidArgument, protocol);
      assert.equal(await codeOf(client.watchJob({ jobId: '' })), Code.InvalidArgument, protocol);
      assert.equal(await codeOf(client.watchEvents({ aggregateTypes: ['jobs'] })), Code.InvalidArgument, protocol);
    }
    try {
      for await (const _ of world.client('connect-json').watchEvents({ aggregateTypes: ['jobs'] })) break;
      assert.fail('expected invalid_argument');
    } catch (err) {
      assert.equal(ConnectError.from(err).rawMessage, 'aggregate_types: unknown "jobs" (known: job, asset, preset, dispatch)');
    }
  });

  it('buf curl reaches each RPC over Connect, gRPC-Web and gRPC', async () => {
    const { jobId, sequence } = await world.createJob();
    await world.publishProgress({ jobId, attempt: 1, percent: 33 });
    await world.publishChunkStep(jobId, 'planned', { attempt: 1 });
    await world.publishPresence({ workerId: 'curl-worker' });
    for (const protocol of ['connect', 'grpcweb', 'grpc'] as const) {
      const events = await bufCurl(world.url, 'WatchEvents', { fromSequence: String(sequence) }, { protocol });
      assert.equal((events.messages[0]?.event as { sequence?: string })?.sequence, String(sequence), `${protocol}: ${events.stderr}`);
      const job = await bufCurl(world.url, 'WatchJob', { jobId }, { protocol, count: 2 });
      assert.deepEqual(
        job.messages.map((m) => Object.keys(m)[0]),
        ['event', 'progress'],
        `${protocol}: ${job.stderr}`,
      );
      const pipeline = await bufCurl(world.url, 'WatchChunkPipeline', { jobId }, { protocol });
      assert.equal((pipeline.messages[0]?.step as { step?: string })?.step, 'planned', `${protocol}: ${pipeline.stderr}`);
      const workers = await bufCurl(world.url, 'WatchWorkers', {}, { protocol, count: 1 });
      assert.ok(
        workers.messages.some((m) => (m.worker as { workerId?: string })?.workerId !== undefined),
        `${protocol}: ${workers.stderr}`,
      );
    }
  });

  it('resumes across a gateway restart mid-job with from_sequence = last + 1: no event missed, none twice', async () => {
    const { jobId, sequence: first } = await world.createJob();
    let appending = true;
    const appended = (async () => {
      for (let percent = 1; appending && percent <= 400; percent++) await world.progressed(jobId, percent % 100);
    })();
    const seen: number[] = [];
    let restarted = false;
    for (let connection = 0; connection < 5 && seen.length < 60; connection++) {
      const client = world.client('connect-json');
      const from = BigInt((seen.at(-1) ?? first - 1) + 1);
      try {
        await collect<WatchJobResponse>(
          (signal) => client.watchJob({ jobId, fromSequence: from }, { signal }),
          () => seen.length >= 60,
          {
            onItem: async (item) => {
              if (item.kind.case !== 'event') return;
              seen.push(Number(item.kind.value.sequence));
              if (seen.length === 20 && !restarted) {
                restarted = true;
                await world.restart();
              }
            },
          },
        );
      } catch (err) {
        // The stopping gateway ends the stream: unavailable (or the connection cut), then we reconnect.
        assert.ok(restarted, `stream failed before the restart: ${(err as Error).message}`);
      }
    }
    appending = false;
    await appended;
    assert.ok(restarted);
    const { events } = await world.streams.store.load({ type: 'job', id: jobId });
    const log = events.map((e) => e.sequence).slice(0, seen.length);
    assert.equal(seen.length, 60);
    assert.deepEqual(seen, log);
  });

  it('200 concurrent streams share one feed and all receive the same progress; leaving releases the feeds within a second', async () => {
    const { jobId } = await world.createJob();
    // No stream of this gateway is open: any consumer now is not this gateway's feed.
    const consumersBefore = await world.consumerCount(world.streams.names.events);
    const controller = new AbortController();
    // One signal ends all 200 calls, each listening to it: 200 listeners are the design, not a leak.
    setMaxListeners(200, controller.signal);
    const percents: number[][] = Array.from({ length: 200 }, () => []);
    const client = world.client('grpc');
    const streams = percents.map(async (received) => {
      try {
        for await (const item of client.watchJob({ jobId }, { signal: controller.signal })) {
          if (item.kind.case === 'progress') received.push(item.kind.value.percent);
        }
      } catch (err) {
        if (!controller.signal.aborted) throw err;
      }
    });
    // Every stream is in once it replayed the job's one event: each sends a first progress of 0 published below.
    await world.publishProgress({ jobId, attempt: 1, percent: 1 });
    await waitFor('200 streams to get the first progress', () => percents.filter((p) => p.includes(1)).length, { done: (n) => n === 200, timeoutMs: 30_000 });
    // One live feed of MPR_EVENTS for all 200 (not a consumer per stream); a gateway stopped by an earlier test may leave its own until they expire.
    assert.ok((await world.consumerCount(world.streams.names.events)) <= consumersBefore + 1);
    await world.publishProgress({ jobId, attempt: 1, percent: 77 });
    await waitFor('200 streams to get 77 %', () => percents.filter((p) => p.includes(77)).length, { done: (n) => n === 200, timeoutMs: 10_000 });
    assert.ok(percents.every((p) => p.join() === '1,77'));
    controller.abort();
    await Promise.all(streams);
    const leftAt = Date.now();
    await waitFor('the shared feed to be released', () => world.consumerCount(world.streams.names.events), {
      done: (n) => n <= consumersBefore,
      timeoutMs: 1_000,
    });
    assert.ok(Date.now() - leftAt <= 1_000);
  });

  it('a worker that stops reporting disappears; a real transcoder announces its slots and leaves', async () => {
    const client = world.client('connect-binary');
    await world.publishPresence({ workerId: 'short-lived' }, 600);
    const items = await collect<WatchWorkersResponse>(
      (signal) => client.watchWorkers({}, { signal }),
      (all) => all.some((i) => i.kind.case === 'gone' && i.kind.value.workerId === 'short-lived'),
    );
    assert.ok(items.some((i) => i.kind.case === 'worker' && i.kind.value.workerId === 'short-lived'));

    const transcoder = new ServiceProcess(
      'transcoder',
      world.serviceEnv({ MPR_TRANSCODER_PORT: '0', MPR_TRANSCODE_CONCURRENCY: '2', MPR_PRESENCE_INTERVAL_SECONDS: '0.5' }),
    );
    try {
      const seen = new Set<string>();
      await collect<WatchWorkersResponse>(
        (signal) => client.watchWorkers({}, { signal }),
        () => seen.size === 0 && items.length > 0 && stopped,
        {
          onItem: async (item) => {
            if (item.kind.case === 'worker' && item.kind.value.kind === 'transcoder' && item.kind.value.replicaId.endsWith(`-${transcoder.pid}`)) {
              seen.add(item.kind.value.workerId);
              if (seen.size === 2 && !stopping) {
                stopping = true;
                await transcoder.ready;
                await transcoder.stop();
                stopped = true;
              }
            }
            if (item.kind.case === 'gone') seen.delete(item.kind.value.workerId);
          },
          timeoutMs: 30_000,
        },
      );
    } finally {
      await transcoder.stop();
    }
    assert.ok(stopped);
  });
  let stopping = false;
  let stopped = false;
});

type Credential = 'none' | 'wrong' | 'right';
const CREDENTIALS: Credential[] = ['none', 'wrong', 'right'];

/** How a stream answers first: `served` (a message came) or the code it ended with. The call is aborted after (a `break` would not cancel it). */
async function firstAnswer(open: (signal: AbortSignal) => AsyncIterable<unknown>): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    for await (const _ of open(controller.signal)) return 'served';
    return 'ended';
  } catch (err) {
    return Code[ConnectError.from(err).code];
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

describe('gateway with MPR_API_TOKEN', () => {
  const token = API_TOKEN;
  const tokenOf = (credential: Credential) => (credential === 'none' ? undefined : credential === 'right' ? token : 'w'.repeat(token.length));
  let world: GatewayWorld;
  let jobId: string;

  before(async () => {
    world = await GatewayWorld.start({ MPR_API_TOKEN: token });
    ({ jobId } = await world.createJob(undefined, true));
    await world.publishChunkStep(jobId, 'planned', { attempt: 1 });
  });

  after(() => world.stop());

  /** Each RPC's first answer with each credential, from `client(credential)`. */
  async function answers(client: (credential: Credential) => Client<typeof GatewayService>): Promise<Record<string, Record<Credential, string>>> {
    const rpcs: Record<string, (c: Client<typeof GatewayService>, signal: AbortSignal) => AsyncIterable<unknown>> = {
      WatchEvents: (c, signal) => c.watchEvents({ fromSequence: 1n }, { signal }),
      WatchJob: (c, signal) => c.watchJob({ jobId }, { signal }),
      WatchChunkPipeline: (c, signal) => c.watchChunkPipeline({ jobId }, { signal }),
      WatchWorkers: (c, signal) => c.watchWorkers({}, { signal }),
    };
    const result: Record<string, Record<Credential, string>> = {};
    for (const [rpc, call] of Object.entries(rpcs)) {
      result[rpc] = { none: '', wrong: '', right: '' };
      for (const credential of CREDENTIALS) result[rpc][credential] = await firstAnswer((signal) => call(client(credential), signal));
    }
    return result;
  }

  const locked = { none: 'Unauthenticated', wrong: 'Unauthenticated', right: 'served' };
  const everyRpcLocked = { WatchEvents: locked, WatchJob: locked, WatchChunkPipeline: locked, WatchWorkers: locked };

  it('answers every RPC over every protocol only with the token: without it or with a wrong one unauthenticated', async () => {
    for (const protocol of PROTOCOLS) {
      assert.deepEqual(await answers((credential) => world.client(protocol, tokenOf(credential))), everyRpcLocked, protocol);
    }
    const refused = await firstAnswer((signal) => world.client('connect-json').watchEvents({}, { signal }));
    assert.equal(refused, 'Unauthenticated');
    try {
      for await (const _ of world.client('grpc', 'w'.repeat(token.length)).watchWorkers({})) break;
      assert.fail('expected unauthenticated');
    } catch (err) {
      assert.equal(ConnectError.from(err).rawMessage, 'the bearer token is not valid');
    }
  });

  it('buf curl: each protocol refused without the token or with a wrong one, served with it', async () => {
    for (const protocol of ['connect', 'grpcweb', 'grpc'] as const) {
      for (const credential of CREDENTIALS) {
        const headers = credential === 'none' ? [] : [`Authorization: Bearer ${tokenOf(credential)}`];
        const { messages, stderr } = await bufCurl(world.url, 'WatchEvents', { fromSequence: '1000000' }, { protocol, headers });
        if (credential === 'right') assert.ok(messages[0]?.heartbeat, `${protocol}: ${stderr}`);
        else assert.match(stderr, /unauthenticated/, `${protocol} ${credential}`);
      }
    }
  });

  it('answers /metrics only with the token, /healthz always', async () => {
    const statuses: Record<string, Record<Credential, number>> = {};
    for (const path of ['/metrics', '/healthz']) {
      statuses[path] = { none: 0, wrong: 0, right: 0 };
      for (const credential of CREDENTIALS) {
        const bearer = tokenOf(credential);
        const response = await fetch(`${world.url}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
        await response.arrayBuffer();
        statuses[path][credential] = response.status;
      }
    }
    assert.deepEqual(statuses, { '/metrics': { none: 401, wrong: 401, right: 200 }, '/healthz': { none: 200, wrong: 200, right: 200 } });
  });

  it("through the API's origin (its proxy of /mpr.v1.GatewayService/*, as the dashboard calls): the same lock", async () => {
    const api = await startApi({ MPR_GATEWAY_URL: world.url });
    try {
      for (const protocol of ['connect-binary', 'grpc-web'] as const) {
        const client = (credential: Credential) => {
          const bearer = tokenOf(credential);
          const interceptors = bearer ? [authorization(bearer)] : [];
          const transport =
            protocol === 'grpc-web'
              ? createGrpcWebTransport({ baseUrl: api.url, httpVersion: '1.1', interceptors })
              : createConnectTransport({ baseUrl: api.url, httpVersion: '1.1', useBinaryFormat: true, interceptors });
          return createClient(GatewayService, transport);
        };
        assert.deepEqual(await answers(client), everyRpcLocked, protocol);
      }
    } finally {
      await api.stop();
    }
  });
});
