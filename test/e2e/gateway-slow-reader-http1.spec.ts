import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { WatchJobRequestSchema } from '@mpr/contracts/gateway_pb';
import { startApi } from './api-harness';
import { suiteGateway, waitFor } from './gateway-harness';

const STALL_SECONDS = 1;
/**
 * Past its stall limit the gateway's clock (a quarter of it) cuts a stream
 * within 1.25 × the limit of its blocked write; 3 s more because the test
 * floods the gateway from the same two cores three other test runs share,
 * and reads that it is gone through the gateway's own (busy) event loop.
 */
const CUT_WITHIN_MS = STALL_SECONDS * 1_250 + 3_000;
/** A blocked HTTP/1.1 write: connect-node waits for 'drain' once the socket's buffer (16 KiB) is full, so Node holds that and one message. */
const UNSENT_BOUND = 64 * 1024;
/**
 * The flood goes in batches the writer drains between (it writes as long as
 * the kernel takes it); the stream's buffer holds 8 of them, so only a
 * blocked write lets it overflow — a cold gateway that fell one batch behind
 * would otherwise end the stream with resource_exhausted before it blocked.
 */
const BATCH = 500;
const BUFFER = 4_096;
/** Loopback's kernel buffers take ~4 MB (~25,000 progress messages as Connect JSON, ~65,000 as gRPC-Web) before a write blocks. */
const MAX_MESSAGES = 400_000;

const connectJson = (jobId: string) => Buffer.from(JSON.stringify({ jobId }));
const HTTP1_CALLS = [
  { name: 'Connect (JSON)', contentType: 'application/connect+json', body: connectJson, viaApi: false },
  {
    name: 'gRPC-Web',
    contentType: 'application/grpc-web+proto',
    body: (jobId: string) => Buffer.from(toBinary(WatchJobRequestSchema, create(WatchJobRequestSchema, { jobId }))),
    viaApi: false,
  },
  // The dashboard's way: the API's origin pipes the stream, so its backpressure must reach the gateway through the proxy.
  { name: "Connect (JSON) through the API's origin", contentType: 'application/connect+json', body: connectJson, viaApi: true },
];

/**
 * A WatchJob call written by hand on a raw TCP socket over HTTP/1.1, as a
 * browser's fetch would make it, whose reader never reads: nothing listens
 * for its data, so Node stops reading the socket once 16 KiB are buffered
 * and the kernel's buffers fill behind it.
 */
function neverReadingCall(url: string, contentType: string, body: Buffer): net.Socket {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  const envelope = Buffer.alloc(5 + body.length);
  envelope.writeUInt32BE(body.length, 1);
  envelope.set(body, 5);
  const head = [
    'POST /mpr.v1.GatewayService/WatchJob HTTP/1.1',
    `Host: ${hostname}:${port}`,
    `Content-Type: ${contentType}`,
    'Connect-Protocol-Version: 1',
    'X-Grpc-Web: 1',
    `Content-Length: ${envelope.length}`,
    '',
    '',
  ].join('\r\n');
  socket.write(Buffer.concat([Buffer.from(head), envelope]));
  return socket;
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

describe('gateway: a reader over HTTP/1.1 that never reads', () => {
  const gateway = suiteGateway({ MPR_GATEWAY_STALL_SECONDS: String(STALL_SECONDS), MPR_GATEWAY_STREAM_BUFFER: String(BUFFER) });

  for (const protocol of HTTP1_CALLS) {
    it(`${protocol.name}: under a progress flood its blocked write holds at most one socket buffer, it lets go of its feeds, and its response is cut within the stall limit`, async (t) => {
      const world = gateway();
      assert.deepEqual(await world.held(), { streams: 0, feeds: 0 }, 'nothing held before the call');
      const cutBefore = await world.metric('mpr_gateway_stalled_streams_cut_total');
      const overflowedBefore = await world.metric('mpr_gateway_streams_overflowed_total');
      const { jobId } = await world.createJob();
      const api = protocol.viaApi ? await startApi({ MPR_API_TOKEN: '', MPR_GATEWAY_URL: world.url }) : undefined;
      const socket = neverReadingCall(api?.url ?? world.url, protocol.contentType, protocol.body(jobId));
      let closed = false;
      socket.once('close', () => (closed = true));
      socket.on('error', () => undefined); // the cut connection resets; the test reads that from `closed`
      try {
        // Live: its stream runs and holds the shared MPR_EVENTS feed and the job's progress subscription.
        await waitFor('the call to be live', () => world.held(), { done: (h) => h.streams === 1 && h.feeds === 2, describe: JSON.stringify });
        const rssBefore = rssMb(world.gateway.pid);
        const subject = world.streams.names.jobProgressSubject(jobId);
        let published = 0;
        let maxUnsent = 0;
        let blockedAt = 0;
        let feedsReleasedAt = 0;
        let goneAt = 0;
        while (published < MAX_MESSAGES && goneAt === 0) {
          for (let i = 0; i < BATCH; i++, published++) {
            world.streams.nc.publish(subject, JSON.stringify({ jobId, attempt: 1, percent: (published % 10_000) / 100, fps: published }));
          }
          await world.streams.nc.flush();
          const [unsent, held] = await Promise.all([world.metric('mpr_gateway_unsent_bytes'), world.held()]);
          const now = Date.now();
          maxUnsent = Math.max(maxUnsent, unsent);
          // Bytes the kernel did not take: its buffers are full, the write is blocked.
          if (unsent > 0 && blockedAt === 0) blockedAt = now;
          if (held.feeds === 0 && feedsReleasedAt === 0) feedsReleasedAt = now;
          if (held.streams === 0) goneAt = now;
        }
        assert.ok(blockedAt > 0, `the gateway's write never blocked after ${published} messages`);
        assert.ok(goneAt > 0, `the stream still runs after ${published} messages`);
        assert.ok(goneAt - blockedAt <= CUT_WITHIN_MS, `cut ${goneAt - blockedAt} ms after its write blocked (bound ${CUT_WITHIN_MS} ms)`);
        // The feeds went (the buffer overflowed) while the flood went on: nothing more reached this stream to be held.
        assert.ok(
          feedsReleasedAt > 0 && feedsReleasedAt <= goneAt,
          `feeds released at ${feedsReleasedAt - blockedAt} ms, stream gone at ${goneAt - blockedAt} ms`,
        );
        assert.ok(maxUnsent <= UNSENT_BOUND, `the gateway held ${maxUnsent} unsent bytes for the reader (bound ${UNSENT_BOUND})`);
        assert.equal(await world.metric('mpr_gateway_unsent_bytes'), 0, 'the cut connection holds nothing');
        assert.equal(await world.metric('mpr_gateway_stalled_streams_cut_total'), cutBefore + 1);
        assert.equal(await world.metric('mpr_gateway_streams_overflowed_total'), overflowedBefore + 1, 'the feeds went because its buffer overflowed');
        assert.equal(await world.consumerCount(world.streams.names.events), 0, 'no consumer left on MPR_EVENTS');
        assert.ok(
          world.gateway.logs.some((l) => l.message === `WatchJob: the reader took nothing for ${STALL_SECONDS} s; its stream is cut`),
          world.gateway.logText().slice(-2_000),
        );
        // RSS is printed, not bounded: heap growth from decoding the flood's first ~25,000 messages swamps what a leak would add; the bounds are the ones above.
        const grown = rssMb(world.gateway.pid) - rssBefore;
        t.diagnostic(
          `${published} messages; write blocked, then feeds released +${feedsReleasedAt - blockedAt} ms, stream cut +${goneAt - blockedAt} ms; ` +
            `at most ${maxUnsent} unsent bytes; RSS +${grown.toFixed(1)} MB`,
        );
        // The connection is closed: the reader, reading at last, finds it reset or ended.
        socket.resume();
        await waitFor('the client to see its connection closed', () => closed, { timeoutMs: 5_000 });
      } finally {
        socket.destroy();
        await api?.stop();
      }
    });
  }
});
