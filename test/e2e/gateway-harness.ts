import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { create, type MessageInitShape, toJsonString } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { type Client, createClient, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { GatewayService, type WorkerPresence, WorkerPresenceSchema } from '@mpr/contracts/gateway_pb';
import { JobCreatedSchema, JobProgressedSchema, JobProgressSchema } from '@mpr/contracts/job_pb';
import { type SegmentReport, segmentReportSubject } from '@mpr/core';
import { createTestMediaRoots, createTestStreams, type TestMediaRoots, type TestStreams, testServiceEnv } from '@mpr/core/testing/test-infra';
import { ServiceProcess } from '@mpr/core/testing/service-process';
import { waitFor } from '@mpr/core/testing/wait-for';

export type ProtocolName = 'connect-json' | 'connect-binary' | 'grpc-web' | 'grpc';
export const PROTOCOLS: readonly ProtocolName[] = ['connect-json', 'connect-binary', 'grpc-web', 'grpc'];

/** From dist/test/e2e: the repository root. */
const ROOT = join(__dirname, '..', '..', '..');

/**
 * A gateway as its own process (`node dist/services/gateway/main.js`) on a
 * private stream prefix, with clients for every protocol; the test writes
 * to NATS what the other services would (events, progress, chunker steps,
 * worker presence) and reads it back through the RPCs.
 */
export class GatewayWorld {
  gateway: ServiceProcess;
  private constructor(
    readonly streams: TestStreams,
    readonly media: TestMediaRoots,
    private readonly env: Record<string, string>,
    readonly ca?: string,
    private readonly nodeArgs: string[] = [],
  ) {
    this.gateway = GatewayWorld.spawn(env, nodeArgs);
  }

  /**
   * `natsUrl`: a nats-server of the test's own (TestNatsServer) instead of the run's shared one.
   * `ca`: the certificate clients trust, when the gateway serves TLS (MPR_TLS_CERT/KEY in `extraEnv`).
   * `nodeArgs`: node flags for the gateway process (a benchmark's --cpu-prof).
   */
  static async start(extraEnv: Record<string, string> = {}, options: { natsUrl?: string; ca?: string; nodeArgs?: string[] } = {}): Promise<GatewayWorld> {
    const [streams, media] = await Promise.all([createTestStreams(options.natsUrl), createTestMediaRoots('mpr-gateway-')]);
    const env = testServiceEnv(
      { streams, media },
      {
        MPR_GATEWAY_PORT: '0',
        MPR_GATEWAY_HEARTBEAT_SECONDS: '0.3',
        ...(options.natsUrl ? { NATS_URL: options.natsUrl } : {}),
        ...extraEnv,
        MPR_LOG_LEVEL: 'log',
      },
    );
    const world = new GatewayWorld(streams, media, env, options.ca, options.nodeArgs);
    await world.gateway.ready;
    return world;
  }

  private static spawn(env: Record<string, string>, nodeArgs: string[]): ServiceProcess {
    return new ServiceProcess('gateway', env, { nodeArgs });
  }

  get url(): string {
    const url = this.gateway.urls.get('gateway');
    if (!url) throw new Error('the gateway announced no URL');
    return url;
  }

  /** The environment the gateway runs with (to start other services beside it). */
  serviceEnv(extra: Record<string, string> = {}): Record<string, string> {
    return { ...this.env, ...extra };
  }

  /** Stops the gateway and starts it again (on a new port). */
  async restart(): Promise<void> {
    await this.gateway.stop();
    this.gateway = GatewayWorld.spawn(this.env, this.nodeArgs);
    await this.gateway.ready;
  }

  /** `httpVersion`: Connect and gRPC-Web go over HTTP/1.1 unless told '2' (with TLS, ALPN offers both). */
  transport(protocol: ProtocolName, token?: string, httpVersion: '1.1' | '2' = '1.1'): Transport {
    const interceptors = token ? [authorization(token)] : [];
    const nodeOptions = this.ca ? { ca: this.ca } : undefined;
    switch (protocol) {
      case 'connect-json':
        return createConnectTransport({ baseUrl: this.url, httpVersion, useBinaryFormat: false, interceptors, nodeOptions });
      case 'connect-binary':
        return createConnectTransport({ baseUrl: this.url, httpVersion, useBinaryFormat: true, interceptors, nodeOptions });
      case 'grpc-web':
        return createGrpcWebTransport({ baseUrl: this.url, httpVersion, interceptors, nodeOptions });
      case 'grpc':
        return createGrpcTransport({ baseUrl: this.url, interceptors, nodeOptions });
    }
  }

  client(protocol: ProtocolName, token?: string, httpVersion?: '1.1' | '2'): Client<typeof GatewayService> {
    return createClient(GatewayService, this.transport(protocol, token, httpVersion));
  }

  /** An independent gRPC implementation (grpc-js over HTTP/2: cleartext, or TLS trusting `ca`), from the .proto files. */
  grpcJsClient(): grpc.Client & Record<string, (request: object, metadata?: grpc.Metadata) => grpc.ClientReadableStream<Record<string, unknown>>> {
    const definition = protoLoader.loadSync('mpr/v1/gateway.proto', {
      includeDirs: [join(ROOT, 'contracts', 'proto'), join(ROOT, 'node_modules', 'protobufjs')],
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as { mpr: { v1: { GatewayService: grpc.ServiceClientConstructor } } };
    const { host } = new URL(this.url);
    const credentials = this.ca ? grpc.credentials.createSsl(Buffer.from(this.ca)) : grpc.credentials.createInsecure();
    return new pkg.mpr.v1.GatewayService(host, credentials) as never;
  }

  /** Appends a JobCreated (a new job aggregate); returns the job id and the event's sequence. */
  async createJob(jobId = `job-${randomUUID()}`, chunked = false): Promise<{ jobId: string; sequence: number }> {
    const sequence = await this.streams.store.append(
      { type: 'job', id: jobId },
      [
        {
          case: 'jobCreated',
          value: create(JobCreatedSchema, {
            jobId,
            sourceAssetId: 'asset-1',
            presetId: 'preset-1',
            outputFilename: `${jobId}.mp4`,
            executor: Executor.LOCAL,
            chunked,
            priority: Priority.NORMAL,
          }),
        },
      ],
      { expectedVersion: 0, commandId: randomUUID(), now: new Date() },
    );
    return { jobId, sequence };
  }

  /** Appends a JobProgressed milestone to an existing job; returns its sequence. */
  async progressed(jobId: string, percent: number): Promise<number> {
    const { version: expectedVersion } = await this.streams.store.load({ type: 'job', id: jobId });
    return this.streams.store.append(
      { type: 'job', id: jobId },
      [{ case: 'jobProgressed', value: create(JobProgressedSchema, { jobId, attempt: 1, percent }) }],
      { expectedVersion, commandId: randomUUID(), now: new Date() },
    );
  }

  async publishProgress(progress: MessageInitShape<typeof JobProgressSchema>): Promise<void> {
    const message = create(JobProgressSchema, progress);
    await jetstream(this.streams.nc).publish(this.streams.names.jobProgressSubject(message.jobId), toJsonString(JobProgressSchema, message));
  }

  async publishChunkStep(jobId: string, step: string, body: Record<string, unknown>): Promise<void> {
    await jetstream(this.streams.nc).publish(
      this.streams.names.telemetrySubject('chunker', jobId, step),
      JSON.stringify({ jobId, at: new Date().toISOString(), ...body }),
    );
  }

  /** What a chunker's segment worker reports while it encodes (core NATS, not stored). */
  publishSegmentReport(jobId: string, attempt: number, report: SegmentReport): void {
    this.streams.nc.publish(segmentReportSubject(this.streams.names, jobId, attempt), JSON.stringify(report));
  }

  async publishPresence(presence: { workerId: string; jobId?: string; leaving?: boolean; speed?: number }, ttlMs = 60_000): Promise<WorkerPresence> {
    const now = Date.now();
    const message = create(WorkerPresenceSchema, {
      kind: 'transcoder',
      replicaId: 'replica-1',
      heartbeatAt: timestampFromMs(now),
      expiresAt: timestampFromMs(now + ttlMs),
      ...presence,
    });
    await jetstream(this.streams.nc).publish(this.streams.names.workerPresenceSubject(message.workerId), toJsonString(WorkerPresenceSchema, message));
    return message;
  }

  /** A series of the gateway's /metrics (its value without labels but `service`); 0 when absent. */
  async metric(name: string, token?: string): Promise<number> {
    const response = await fetch(`${this.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    const line = (await response.text()).split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  /** The gateway's streams and live feeds now, from /metrics: both 0 once every client left. */
  async held(): Promise<{ streams: number; feeds: number }> {
    const [streams, feeds] = await Promise.all([this.metric('mpr_gateway_streams'), this.metric('mpr_gateway_live_feeds')]);
    return { streams, feeds };
  }

  /** Consumers on a stream now (the gateway's replays and live feeds are the only ones in a test's streams). */
  async consumerCount(stream: string): Promise<number> {
    const info = await (await jetstreamManager(this.streams.nc)).streams.info(stream);
    return info.state.consumer_count;
  }

  async stop(): Promise<void> {
    await this.gateway.stop().catch(() => undefined);
    await this.streams.cleanup();
    await this.media.remove();
  }
}

/** A gateway of the suite's own with `env`, started before its tests and stopped after them. */
export function suiteGateway(env: Record<string, string>): () => GatewayWorld {
  let world: GatewayWorld | undefined;
  before(async () => {
    world = await GatewayWorld.start(env);
  });
  after(() => world?.stop());
  return () => {
    if (!world) throw new Error('the gateway did not start');
    return world;
  };
}

/** Sends `Authorization: Bearer <token>` with every call. */
export function authorization(token: string): Interceptor {
  return (next) => (request) => {
    request.header.set('authorization', `Bearer ${token}`);
    return next(request);
  };
}

/** Takes messages from a server stream until `done` says so, then aborts the call (a `break` alone would not cancel it). */
export async function collect<T>(
  open: (signal: AbortSignal) => AsyncIterable<T>,
  done: (items: T[]) => boolean,
  options: { timeoutMs?: number; onItem?: (item: T, items: T[]) => void | Promise<void> } = {},
): Promise<T[]> {
  const controller = new AbortController();
  const items: T[] = [];
  const timer = setTimeout(() => controller.abort(new Error('timeout')), options.timeoutMs ?? 15_000);
  try {
    for await (const item of open(controller.signal)) {
      items.push(item);
      await options.onItem?.(item, items);
      if (done(items)) break;
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    throw new Error(`stream timed out after ${items.length} message(s): ${JSON.stringify(items.map(describeItem)).slice(0, 2_000)}`, { cause: err });
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return items;
}

function describeItem(item: unknown): unknown {
  const kind = (item as { kind?: { case?: string } }).kind;
  return kind?.case ?? item;
}

export { waitFor };

/**
 * `buf curl` (from the @bufbuild/buf devDependency) calls an RPC with the .proto files as its schema and
 * prints the responses as JSON; a stream never ends by itself, so this takes `count` of them and stops it.
 */
export async function bufCurl(
  url: string,
  method: string,
  data: object,
  options: { protocol: 'connect' | 'grpcweb' | 'grpc'; count?: number; headers?: string[]; cacert?: string },
): Promise<{ messages: Array<Record<string, unknown>>; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const args = ['curl', '--schema', join(ROOT, 'contracts', 'proto'), '--protocol', options.protocol, '-d', JSON.stringify(data)];
  // Over TLS, ALPN picks HTTP/2; cleartext gRPC needs prior knowledge.
  if (options.cacert) args.push('--cacert', options.cacert);
  else if (options.protocol === 'grpc') args.push('--http2-prior-knowledge');
  for (const header of options.headers ?? []) args.push('-H', header);
  args.push(`${url}/mpr.v1.GatewayService/${method}`);
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'buf'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const messages: Array<Record<string, unknown>> = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // Each response is a pretty-printed JSON object, its closing brace alone on a line.
    let end: number;
    while ((end = stdout.indexOf('\n}\n')) >= 0) {
      messages.push(JSON.parse(stdout.slice(0, end + 2)) as Record<string, unknown>);
      stdout = stdout.slice(end + 3);
    }
    if (messages.length >= (options.count ?? 1)) child.kill('SIGTERM');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  return { messages, stderr };
}
