import type * as http from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AppConfig, ServiceDefinition } from '@mpr/core';
import { GatewayRpc } from './gateway-rpc.service';
import { GatewayListener, type RequestHandler } from './gateway.listener';
import { GatewayModule } from './gateway.module';

export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: (config) => GatewayModule.forRoot(config),
  port: (config) => config.MPR_GATEWAY_PORT,
  links: { rpc: '/mpr.v1.GatewayService/' },
  secure: (config) => tlsFiles(config) !== undefined,
  // One listener for Connect, gRPC-Web and gRPC (HTTP/1.1 and HTTP/2); Fastify keeps /healthz and /metrics behind it.
  adapter: (config) =>
    new FastifyAdapter({
      // Fastify only listens on it; the listener hands it the requests that are not RPCs.
      serverFactory: (fastify: http.RequestListener) => new GatewayListener(fastify as unknown as RequestHandler, tlsFiles(config)) as unknown as http.Server,
    }),
  configure: (app) => app.get(GatewayRpc).mount(app.getHttpServer() as unknown as GatewayListener),
};

/** The certificate and key files when both are set (the config schema refuses one without the other). */
function tlsFiles(config: AppConfig): { cert: string; key: string } | undefined {
  return config.MPR_TLS_CERT && config.MPR_TLS_KEY ? { cert: config.MPR_TLS_CERT, key: config.MPR_TLS_KEY } : undefined;
}
