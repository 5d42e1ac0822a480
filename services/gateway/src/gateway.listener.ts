import { cors } from '@connectrpc/connect';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';

import type { ConnectNodeAdapterOptions } from '@connectrpc/connect-node';

/** A Node request handler for HTTP/1.1 and HTTP/2 requests alike, as connect-node's. */
export type RequestHandler = NonNullable<ConnectNodeAdapterOptions['fallback']>;

/** What an HTTP/2 client with prior knowledge sends first. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': cors.allowedMethods.join(', '),
  'access-control-allow-headers': [...cors.allowedHeaders, 'Authorization'].join(', '),
  'access-control-expose-headers': cors.exposedHeaders.join(', '),
  'access-control-max-age': '7200',
};

/**
 * The gateway's one port. Cleartext: each connection's first bytes tell an
 * HTTP/2 client with prior knowledge (gRPC, Connect over h2c) from HTTP/1.1
 * (browsers: Connect, gRPC-Web), and the socket goes to the matching server
 * — Node's cleartext http2 server has no HTTP/1.1 fallback of its own. With
 * MPR_TLS_CERT/KEY, one TLS server offers h2 and http/1.1 by ALPN. RPC paths
 * go to the Connect handler, the rest (/healthz, /metrics) to Fastify.
 */
export class GatewayListener extends net.Server {
  private rpc: RequestHandler | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** HTTP/2 streams open now: one whose reader stopped holds what flow control keeps back in its own buffer, not its socket's. */
  private readonly h2Streams = new Set<http2.ServerHttp2Stream>();
  private readonly http1: http.Server;
  private readonly http2: http2.Http2Server | http2.Http2SecureServer;
  readonly tls: boolean;

  constructor(
    private readonly fallback: RequestHandler,
    tls: { cert: string; key: string } | undefined,
  ) {
    super((socket) => this.accept(socket));
    const route = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => this.route(req, res);
    this.tls = tls !== undefined;
    this.http1 = http.createServer(route);
    this.http2 = tls
      ? http2.createSecureServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), allowHTTP1: true, ALPNProtocols: ['h2', 'http/1.1'] }, route)
      : http2.createServer(route);
    this.http2.on('stream', (stream: http2.ServerHttp2Stream) => {
      this.h2Streams.add(stream);
      stream.once('close', () => this.h2Streams.delete(stream));
    });
  }

  /** The Connect handler, made with Fastify as its fallback for what is not an RPC; until set (still booting), everything goes to Fastify. */
  serveRpc(make: (fallback: RequestHandler) => RequestHandler): void {
    this.rpc = make(this.fallback);
  }

  /** Bytes written to the connections that their sockets, or their HTTP/2 streams, still hold (the kernel took none of them yet). */
  get unsentBytes(): number {
    let bytes = 0;
    for (const socket of this.sockets) bytes += socket.writableLength;
    for (const stream of this.h2Streams) bytes += stream.writableLength;
    return bytes;
  }

  /** Ends every connection: after the streams were told to end, so close() need not wait for clients. */
  destroyConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.tls) {
      this.http2.emit('connection', socket);
      return;
    }
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const compared = Math.min(head.length, H2_PREFACE.length);
      const h2 = head.subarray(0, compared).equals(H2_PREFACE.subarray(0, compared));
      if (h2 && head.length < H2_PREFACE.length) return; // too short to tell yet
      socket.off('data', onData);
      socket.pause();
      // Both servers take what is already read from the socket's buffer first (http2 since Node 12).
      socket.unshift(head);
      if (h2) {
        this.http2.emit('connection', socket);
      } else {
        this.http1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
  }

  private route(...[req, res]: Parameters<RequestHandler>): void {
    // Browsers on another origin (the dashboard's dev server) may call the RPCs.
    for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      res.end();
      return;
    }
    (this.rpc ?? this.fallback)(req, res);
  }
}
