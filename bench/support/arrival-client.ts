import * as http from 'node:http';
import * as http2 from 'node:http2';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { endStreamFromJson, endStreamFlag } from '@connectrpc/connect/protocol-connect';
import { WatchJobRequestSchema, WatchJobResponseSchema } from '@mpr/contracts/gateway_pb';

/**
 * A light WatchJob client for bench/live-latency: each stream is one plain
 * node:http (Connect, HTTP/1.1 JSON) or node:http2 (gRPC, one session for
 * all streams, as connect-node's gRPC client shares one) request whose
 * response is cut into envelopes as the bytes come; a message's time is taken
 * when the chunk holding it arrives, before anything is decoded. What one
 * delivery costs this side is then the kernel's and node's HTTP parser's, not
 * connect-node's client pipeline, so on a shared two-core machine the latency
 * is closer to what the gateway does for clients that each have a process (a
 * browser) of their own.
 */
export type ArrivalProtocol = 'connect-json' | 'grpc';

/** What a stream reports: a progress message's etaSeconds (the benchmark's message number) and when its bytes arrived. */
export type OnProgress = (etaSeconds: number, arrivedAt: number) => void;

const PATH = '/mpr.v1.GatewayService/WatchJob';

/** The clients of one run: their connections, closed together at its end. */
export class ArrivalClients {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  private session: http2.ClientHttp2Session | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly protocol: ArrivalProtocol,
  ) {}

  /** Resolves when the stream ends (or `signal` aborts it); rejects with a ConnectError when the gateway ends it with one. */
  watchJob(jobId: string, signal: AbortSignal, onProgress: OnProgress): Promise<void> {
    return this.protocol === 'connect-json' ? this.connectJson(jobId, signal, onProgress) : this.grpc(jobId, signal, onProgress);
  }

  close(): void {
    this.agent.destroy();
    this.session?.destroy();
  }

  private connectJson(jobId: string, signal: AbortSignal, onProgress: OnProgress): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (err?: unknown) => (err === undefined || signal.aborted ? resolve() : reject(ConnectError.from(err)));
      const req = http.request(`${this.baseUrl}${PATH}`, {
        method: 'POST',
        agent: this.agent,
        signal,
        headers: { 'content-type': 'application/connect+json', 'connect-protocol-version': '1' },
      });
      req.on('error', settle);
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          settle(new ConnectError(`HTTP ${res.statusCode}`, Code.Unknown));
          return;
        }
        const envelopes = new EnvelopeReader();
        res.on('data', (chunk: Buffer) => {
          const arrivedAt = performance.now();
          for (const { flags, data } of envelopes.push(chunk)) {
            if (flags & endStreamFlag) {
              settle(endStreamFromJson(data).error);
              continue;
            }
            const eta = (JSON.parse(data.toString()) as { progress?: { etaSeconds?: number } }).progress?.etaSeconds;
            if (eta !== undefined) onProgress(eta, arrivedAt);
          }
        });
        res.on('end', () => settle());
        res.on('error', settle);
      });
      req.end(envelope(Buffer.from(JSON.stringify({ jobId }))));
    });
  }

  private grpc(jobId: string, signal: AbortSignal, onProgress: OnProgress): Promise<void> {
    this.session ??= http2.connect(this.baseUrl);
    const session = this.session;
    return new Promise((resolve, reject) => {
      let status: { code: number; message: string } | undefined;
      const fromHeaders = (headers: http2.IncomingHttpHeaders) => {
        if (headers['grpc-status'] !== undefined)
          status = { code: Number(headers['grpc-status']), message: decodeURIComponent(String(headers['grpc-message'] ?? '')) };
      };
      const stream = session.request({ ':method': 'POST', ':path': PATH, 'content-type': 'application/grpc+proto', te: 'trailers' }, { signal });
      const envelopes = new EnvelopeReader();
      stream.on('response', fromHeaders); // a trailers-only answer (an error before any message)
      stream.on('trailers', fromHeaders);
      stream.on('data', (chunk: Buffer) => {
        const arrivedAt = performance.now();
        for (const { data } of envelopes.push(chunk)) {
          const response = fromBinary(WatchJobResponseSchema, data);
          if (response.kind.case === 'progress') onProgress(response.kind.value.etaSeconds, arrivedAt);
        }
      });
      stream.on('error', (err: Error & { code?: string }) => {
        if (signal.aborted) resolve();
        // The gateway resets a stream whose reader stopped reading with ENHANCE_YOUR_CALM.
        else reject(new ConnectError(err.message, err.code === 'ERR_HTTP2_STREAM_ERROR' ? Code.ResourceExhausted : Code.Unknown));
      });
      stream.on('close', () => {
        if (signal.aborted || !status || status.code === 0) resolve();
        else reject(new ConnectError(status.message, status.code as Code));
      });
      stream.end(envelope(Buffer.from(toBinary(WatchJobRequestSchema, create(WatchJobRequestSchema, { jobId })))));
    });
  }
}

/** A Connect / gRPC envelope: flags (0: a message), the length (big-endian), the bytes. */
function envelope(data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
}

/** Cuts a response's bytes into envelopes, however the chunks fall. */
class EnvelopeReader {
  private pending: Buffer = Buffer.alloc(0);

  *push(chunk: Buffer): Generator<{ flags: number; data: Buffer }> {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt32BE(1);
      if (this.pending.length < 5 + length) break;
      yield { flags: this.pending[0], data: this.pending.subarray(5, 5 + length) };
      this.pending = this.pending.subarray(5 + length);
    }
  }
}
