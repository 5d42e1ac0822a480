import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { WatchEventsRequestSchema, type WatchEventsResponse, WatchEventsResponseSchema } from '@mpr/contracts/gateway_pb';
import { GatewayWorld, waitFor } from './gateway-harness';

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

describe('gateway: a reader that stops reading', () => {
  let world: GatewayWorld;

  before(async () => {
    world = await GatewayWorld.start({ MPR_GATEWAY_STREAM_BUFFER: String(BUFFER) });
  });

  after(() => world.stop());

  it('cannot grow the gateway’s memory: under a burst it lets go of the live feed at once, and its stream ends with resource_exhausted', async () => {
    const reader = RawGrpcStream.open(world.url, 1_024);
    try {
      await waitFor('the stream live (a heartbeat)', () => reader.messages.some((m) => m.kind.case === 'heartbeat'), { timeoutMs: 30_000 });
      assert.equal(await world.consumerCount(world.streams.names.events), 1, 'the shared live feed of MPR_EVENTS');
      reader.stream.pause();
      for (let n = 0; n < BURST; n += 20) await Promise.all(Array.from({ length: 20 }, () => world.createJob()));
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
