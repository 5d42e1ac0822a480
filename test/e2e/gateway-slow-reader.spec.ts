import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { WatchEventsRequestSchema, type WatchEventsResponse, WatchEventsResponseSchema } from '@mpr/contracts/gateway_pb';
import { type GatewayWorld, suiteGateway, waitFor } from './gateway-harness';

const BUFFER = 16;
const BURST = 400;

/**
 * A gRPC call made by hand over Node's HTTP/2 client, so the test controls
 * reading: `pause()` stops taking data, and with a small window the server
 * cannot send more than that until the client reads again.
 */
class RawGrpcStream {
  readonly messages: WatchEventsResponse[] = [];
  private pending = Buffer.alloc(0);
  trailers: http2.IncomingHttpHeaders | undefined;
  readonly ended: Promise<void>;
  /** Closed by either side, also while paused (a reset is a control frame); `stream.rstCode` then says how. */
  readonly closed: Promise<void>;

  constructor(
    readonly session: http2.ClientHttp2Session,
    readonly stream: http2.ClientHttp2Stream,
  ) {
    stream.on('data', (chunk: Buffer) => this.take(chunk));
    stream.on('trailers', (headers) => (this.trailers = headers));
    this.ended = new Promise((resolve, reject) => {
      stream.once('end', resolve);
      stream.once('error', reject);
    });
    // A test that expects a reset awaits `closed`; the error `ended` then carries is not a failure.
    this.ended.catch(() => undefined);
    this.closed = new Promise((resolve) => stream.once('close', resolve));
  }

  /** A WatchEvents call with a 1 KiB window, once it is live (its caught-up heartbeat came). */
  static async live(url: string): Promise<RawGrpcStream> {
    const reader = RawGrpcStream.open(url, 1_024);
    await waitFor('the stream live (a heartbeat)', () => reader.messages.some((m) => m.kind.case === 'heartbeat'), { timeoutMs: 30_000 });
    return reader;
  }

  static open(url: string, windowBytes: number): RawGrpcStream {
    const session = http2.connect(url, { settings: { initialWindowSize: windowBytes } });
    const stream = session.request({
      ':method': 'POST',
      ':path': '/mpr.v1.GatewayService/WatchEvents',
      'content-type': 'application/grpc+proto',
      te: 'trailers',
    });
    const body = toBinary(WatchEventsRequestSchema, create(WatchEventsRequestSchema, {}));
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);
    stream.end(frame);
    return new RawGrpcStream(session, stream);
  }

  /** gRPC length-prefixed messages: a flag byte, a 4-byte length, the message. */
  private take(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 5 && this.pending.length >= 5 + this.pending.readUInt32BE(1)) {
      const length = this.pending.readUInt32BE(1);
      this.messages.push(fromBinary(WatchEventsResponseSchema, this.pending.subarray(5, 5 + length)));
      this.pending = this.pending.subarray(5 + length);
    }
  }

  close(): void {
    this.stream.close();
    this.session.close();
  }
}

/** `count` JobCreated events, 20 at a time. */
async function appendJobs(world: GatewayWorld, count: number): Promise<void> {
  for (let n = 0; n < count; n += 20) await Promise.all(Array.from({ length: 20 }, () => world.createJob()));
}

describe('gateway: a reader that stops reading', () => {
  const gateway = suiteGateway({ MPR_GATEWAY_STREAM_BUFFER: String(BUFFER) });

  it('cannot grow the gateway’s memory: under a burst it lets go of the live feed at once, and its stream ends with resource_exhausted', async () => {
    const world = gateway();
    const reader = await RawGrpcStream.live(world.url);
    try {
      assert.equal(await world.consumerCount(world.streams.names.events), 1, 'the shared live feed of MPR_EVENTS');
      reader.stream.pause();
      await appendJobs(world, BURST);
      // Still not reading: the gateway holds at most BUFFER messages for it, then drops its share of the feed.
      await waitFor('the live feed released while the reader is paused', () => world.consumerCount(world.streams.names.events), {
        done: (count) => count === 0,
        timeoutMs: 30_000,
      });
      reader.stream.resume();
      await reader.ended;
      assert.equal(reader.trailers?.['grpc-status'], '8', `RESOURCE_EXHAUSTED, got ${JSON.stringify(reader.trailers)}`);
      assert.equal(
        decodeURIComponent(String(reader.trailers?.['grpc-message'])),
        `the reader fell ${BUFFER} messages behind and the stream was ended: call again from the last sequence received + 1`,
      );
      // What it did get is a gapless run from the start: resuming after the last one misses nothing.
      const sequences = reader.messages.flatMap((m) => (m.kind.case === 'event' ? [Number(m.kind.value.sequence)] : []));
      assert.ok(sequences.length > 0 && sequences.length < BURST, `got ${sequences.length} of ${BURST} events`);
      assert.deepEqual(
        sequences,
        sequences.map((_, i) => sequences[0] + i),
      );
    } finally {
      reader.close();
    }
  });
});

describe('gateway: a reader that never reads again', () => {
  const STALL_SECONDS = 1;
  const EVENTS = 200;
  // The default buffer (1024) holds the whole burst: only the stall limit can end this stream.
  const gateway = suiteGateway({ MPR_GATEWAY_STALL_SECONDS: String(STALL_SECONDS) });

  it('is cut once its blocked write waited MPR_GATEWAY_STALL_SECONDS (HTTP/2 reset ENHANCE_YOUR_CALM), releasing its feed; a reader beside it keeps its stream', async (t) => {
    const world = gateway();
    const stalled = await RawGrpcStream.live(world.url);
    const controller = new AbortController();
    const reading: number[] = [];
    let readingError: unknown;
    const { sequence: first } = await world.createJob();
    const reader = (async () => {
      try {
        for await (const m of world.client('grpc').watchEvents({ fromSequence: BigInt(first) }, { signal: controller.signal })) {
          if (m.kind.case === 'event') reading.push(Number(m.kind.value.sequence));
        }
      } catch (err) {
        if (!controller.signal.aborted) readingError = err;
      }
    })();
    try {
      stalled.stream.pause();
      let closed = false;
      void stalled.closed.then(() => (closed = true));
      // ~250 bytes an event: far past the 1 KiB window and the stream's write buffer, so the gateway's write blocks.
      await appendJobs(world, EVENTS);
      // What the blocked stream holds in the gateway, sampled until it is cut: flow control keeps it in the HTTP/2 stream's buffer.
      let maxUnsent = 0;
      await waitFor('the stalled stream to be cut', async () => {
        maxUnsent = Math.max(maxUnsent, await world.metric('mpr_gateway_unsent_bytes'));
        return closed;
      });
      assert.ok(maxUnsent > 0 && maxUnsent <= 64 * 1024, `the gateway held ${maxUnsent} unsent bytes for the stalled reader`);
      t.diagnostic(`at most ${maxUnsent} unsent bytes while stalled`);
      assert.equal(stalled.stream.rstCode, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      assert.ok(
        world.gateway.logs.some((l) => l.message === `WatchEvents: the reader took nothing for ${STALL_SECONDS} s; its stream is cut`),
        world.gateway.logText().slice(-2_000),
      );
      await waitFor('every event at the reading stream', () => reading.length, { done: (n) => n === EVENTS + 1, timeoutMs: 30_000 });
      assert.equal(readingError, undefined);
      // The reading stream holds the shared feed; with it gone, nothing of the cut stream is left.
      controller.abort();
      await reader;
      await waitFor('the live feed released', () => world.consumerCount(world.streams.names.events), { done: (n) => n === 0, timeoutMs: 10_000 });
    } finally {
      controller.abort();
      stalled.close();
    }
  });
});
