import * as http from 'node:http';
import * as https from 'node:https';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type AppConfig, localServiceUrl } from '@mpr/core';
import { GatewayService } from '@mpr/contracts/gateway_pb';

/** Every RPC of the gateway sits under this path (Connect, gRPC-Web: `/<package>.<Service>/<Method>`). */
export const GATEWAY_RPC_PREFIX = `/${GatewayService.typeName}/`;

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, not the message, and are not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

/** Where the streams go: MPR_GATEWAY_URL, else the gateway this process runs, else the gateway's port on this host. */
export function gatewayTarget(config: Pick<AppConfig, 'MPR_GATEWAY_URL' | 'MPR_GATEWAY_PORT'>): URL {
  return new URL(config.MPR_GATEWAY_URL ?? localServiceUrl('gateway') ?? `http://127.0.0.1:${config.MPR_GATEWAY_PORT}`);
}

/**
 * The dashboard's live streams on the API's own origin: requests under
 * `/mpr.v1.GatewayService/` are piped to the gateway as they come, before
 * Fastify parses a body, and the answer is piped back unbuffered (a
 * server stream is one long response). The gateway checks the token (the
 * request's own Authorization header goes with it). When the browser goes
 * away the upstream call is cut, so the gateway releases the stream at
 * once; when the gateway goes away the browser's response is cut, and the
 * page reconnects. A gateway that does not answer at all is a 503 in
 * Connect's error shape (`unavailable`).
 */
export function proxyGatewayStreams(app: NestFastifyApplication, config: Pick<AppConfig, 'MPR_GATEWAY_URL' | 'MPR_GATEWAY_PORT'>): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith(GATEWAY_RPC_PREFIX)) return;
      await reply.hijack();
      forward(request.raw, reply.raw, gatewayTarget(config));
    });
}

function forward(req: http.IncomingMessage, res: http.ServerResponse, target: URL): void {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
  const upstream = (target.protocol === 'https:' ? https : http).request(
    { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...headers, host: target.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name))));
      // Each message goes out as it comes: no Nagle delay on a progress bar.
      res.socket?.setNoDelay(true);
      answer.pipe(res);
      // The gateway died mid-stream: cut the browser's response too, or it would wait on a stream nobody writes.
      answer.once('close', () => {
        if (!answer.complete) res.destroy();
      });
    },
  );
  upstream.once('error', (err) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'unavailable', message: `the gateway does not answer (${(err as NodeJS.ErrnoException).code ?? err.message})` }));
  });
  res.once('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}
