/**
 * bench/live-path: what one live delivery of the gateway costs, part by part,
 * in this process (no NATS, no gateway process): CPU µs per delivery of
 *  (1) the gateway's own live path — a shared feed's item through
 *      `StreamSession`, a generator as WatchJob's live loop, its response;
 *  (2) the same through connect-node's server-streaming handler (Connect
 *      JSON, `createConnectRouter`), its body read as connect-node's writer
 *      reads it, without a socket;
 *  (3) Node's HTTP/1.1 chunked `write` of a message-sized chunk to every one
 *      of the streams' loopback sockets (the readers in a child process, so
 *      only the writing side is counted);
 *  (4) serializing and creating one response (`toJsonString`, `toBinary`, `create`).
 * Prints figures only. Explains bench/live-latency's gateway CPU per delivery.
 *
 *   npm run bench -- live-path [--streams 200] [--messages 1000]
 */
import { spawn } from 'node:child_process';
import { once, setMaxListeners } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { create, toBinary, toJsonString } from '@bufbuild/protobuf';
import { createConnectRouter, createContextValues } from '@connectrpc/connect';
import { GatewayService, type WatchJobResponse, WatchJobResponseSchema } from '@mpr/contracts/gateway_pb';
import { JobProgressSchema } from '@mpr/contracts/job_pb';
import { jobProgress, type ProgressMessage } from '../services/gateway/src/gateway.messages';
import { type FeedSource, SharedFeed } from '../services/gateway/src/live/shared-feed';
import { StreamSession } from '../services/gateway/src/live/stream-session';
import { option } from './support/bench.support';

const STREAMS = option('streams', 200);
const MESSAGES = option('messages', 1000);
const never = new AbortController().signal;
setMaxListeners(0, never); // every stream's session and call listen on it

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/** One feed, STREAMS sessions on it, each read by `read` until MESSAGES deliveries each; CPU µs per delivery. */
async function fanOut(read: (live: AsyncGenerator<WatchJobResponse>, delivered: () => void) => Promise<void>): Promise<number> {
  let emit: (item: ProgressMessage) => void = () => undefined;
  const feed = new SharedFeed<ProgressMessage>('bench', (e) => {
    emit = e;
    return Promise.resolve<FeedSource>({ stop: () => Promise.resolve() });
  });
  let joined = 0;
  async function* live(): AsyncGenerator<WatchJobResponse> {
    const session = new StreamSession<ProgressMessage>(never, { shutdown: never, brokerLost: never }, 1024, 60_000);
    await session.join(feed, (progress) => progress);
    joined++;
    const respond = (item: ProgressMessage) => create(WatchJobResponseSchema, { kind: { case: 'progress', value: jobProgress(item) } });
    for (let r; (r = await session.nextResponse(respond, () => undefined));) yield r;
  }
  let delivered = 0;
  let allDelivered: () => void = () => undefined;
  const count = () => {
    if (++delivered === STREAMS * (MESSAGES + 1)) allDelivered();
  };
  for (let i = 0; i < STREAMS; i++) void read(live(), count);
  while (joined < STREAMS) await new Promise((resolve) => setImmediate(resolve));
  const done = new Promise<void>((resolve) => (allDelivered = resolve));
  const message = (eta: number) => ({
    data: toJsonString(JobProgressSchema, create(JobProgressSchema, { jobId: 'job-1', attempt: 1, percent: 2, etaSeconds: eta })),
  });
  emit(message(-1)); // the first response also sends the headers: not a live delivery
  while (delivered < STREAMS) await new Promise((resolve) => setImmediate(resolve));
  const before = process.cpuUsage();
  for (let m = 0; m < MESSAGES; m++) {
    emit(message(m));
    await new Promise((resolve) => setImmediate(resolve)); // one fan-out at a time, as messages 250 ms apart are
  }
  await done;
  return cpuMicros(before) / (STREAMS * MESSAGES);
}

/** (1): the generator pulled as RpcCalls' plain iterator pulls it. */
function ownPath(): Promise<number> {
  return fanOut(async (live, delivered) => {
    for (let r = await live.next(); !r.done; r = await live.next()) delivered();
  });
}

/** (2): connect-node's handler for WatchJob over Connect JSON; its body read chunk by chunk, each followed by an await as its writer's. */
function throughConnect(): Promise<number> {
  return fanOut(async (live, delivered) => {
    const router = createConnectRouter();
    router.service(GatewayService, { watchJob: () => live });
    const handler = router.handlers.find((h) => h.method.name === 'WatchJob' && h.protocolNames.includes('connect'));
    if (!handler) throw new Error('no Connect handler for WatchJob');
    const request = Buffer.from(JSON.stringify({ jobId: 'job-1' }));
    const envelope = Buffer.concat([Buffer.from([0, 0, 0, 0, request.length]), request]);
    const response = await handler({
      httpVersion: '1.1',
      method: 'POST',
      url: 'http://bench/mpr.v1.GatewayService/WatchJob',
      header: new Headers({ 'content-type': 'application/connect+json' }),
      body: (async function* () {
        yield new Uint8Array(envelope);
      })(),
      signal: never,
      contextValues: createContextValues(),
    });
    if (!response.body || !(Symbol.asyncIterator in response.body)) throw new Error('no streaming body');
    for await (const chunk of response.body) {
      void chunk;
      await Promise.resolve();
      delivered();
    }
  });
}

/** (3): chunked HTTP/1.1 writes of a response's size to STREAMS loopback connections read (and dropped) by a child process. */
async function httpWrites(chunkBytes: number): Promise<number> {
  const responses: http.ServerResponse[] = [];
  let allOpen: () => void = () => undefined;
  const open = new Promise<void>((resolve) => (allOpen = resolve));
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/connect+json' });
    res.flushHeaders();
    if (responses.push(res) === STREAMS) allOpen();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const readers = `const net = require('node:net'); for (let i = 0; i < ${STREAMS}; i++) { const s = net.connect(${port}, '127.0.0.1', () => s.write('POST / HTTP/1.1\\r\\nHost: bench\\r\\nContent-Length: 0\\r\\n\\r\\n')); s.on('data', () => {}); s.on('error', () => {}); }`;
  const child = spawn(process.execPath, ['-e', readers], { stdio: 'ignore' });
  try {
    await open;
    const chunk = new Uint8Array(chunkBytes);
    const write = (res: http.ServerResponse) =>
      new Promise<void>((resolve, reject) => {
        if (res.write(chunk, (err) => err && reject(err))) resolve();
        else res.once('drain', resolve);
      });
    const before = process.cpuUsage();
    for (let m = 0; m < MESSAGES; m++) {
      await Promise.all(responses.map(write));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return cpuMicros(before) / (STREAMS * MESSAGES);
  } finally {
    child.kill();
    server.closeAllConnections();
    server.close();
  }
}

/** (4): µs per call, after a warm-up. */
function perCall(call: () => unknown): number {
  for (let i = 0; i < 20_000; i++) call();
  const n = 200_000;
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) call();
  return cpuMicros(before) / n;
}

async function main(): Promise<void> {
  const progress = create(JobProgressSchema, { jobId: `job-${'0'.repeat(36)}`, attempt: 1, percent: 2, etaSeconds: 17 });
  const response = create(WatchJobResponseSchema, { kind: { case: 'progress', value: progress } });
  const json = toJsonString(WatchJobResponseSchema, response);
  console.log(`live-path: ${STREAMS} streams, ${MESSAGES} messages; CPU per delivery`);
  console.log(`  gateway's own live path                  ${(await ownPath()).toFixed(2)} µs`);
  console.log(`  the same through connect-node's handler  ${(await throughConnect()).toFixed(2)} µs`);
  console.log(`  HTTP/1.1 chunked write (${json.length + 5} B) + syscall ${(await httpWrites(json.length + 5)).toFixed(2)} µs`);
  const encoder = new TextEncoder();
  console.log(`  toJsonString + encode of the response     ${perCall(() => encoder.encode(toJsonString(WatchJobResponseSchema, response))).toFixed(2)} µs`);
  console.log(`  toBinary of the response                 ${perCall(() => toBinary(WatchJobResponseSchema, response)).toFixed(2)} µs`);
  console.log(
    `  create of the response                   ${perCall(() => create(WatchJobResponseSchema, { kind: { case: 'progress', value: progress } })).toFixed(2)} µs`,
  );
  process.exit(0);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
