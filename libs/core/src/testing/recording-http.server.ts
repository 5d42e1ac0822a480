import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as it reached the server: what the client's SDK serialized and signed. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RecordedAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/**
 * A local HTTP server that records every request and answers through the
 * handler it is given: the base of the tests' fake cloud control planes.
 * Bound to 127.0.0.1 on a free port; `close` ends it and its connections.
 */
export class RecordingHttpServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly recorded: RecordedRequest[],
  ) {}

  /** Every request so far, in order of arrival. */
  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }

  /** Forgets the requests so far (a test's next case starts from none). */
  forget(): void {
    this.recorded.length = 0;
  }

  /** `handle` may answer later (a slow control plane): the request is recorded when it arrives. */
  static async start(handle: (request: RecordedRequest) => RecordedAnswer | Promise<RecordedAnswer>): Promise<RecordingHttpServer> {
    const requests: RecordedRequest[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        requests.push(request);
        void Promise.resolve()
          .then(() => handle(request))
          .catch((err: Error): RecordedAnswer => ({ status: 500, body: { message: `the fake failed: ${err.message}` } }))
          .then((answer) => {
            const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
            res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...answer.headers });
            res.end(body);
          });
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return new RecordingHttpServer(server, `http://127.0.0.1:${port}`, requests);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
