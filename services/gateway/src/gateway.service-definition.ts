import type * as http from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { ServiceDefinition } from '@mpr/core';
import { GatewayRpc } from './gateway-rpc.service';
import { GatewayListener, type RequestHandler } from './gateway.listener';
import { GatewayModule } from './gateway.module';

export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: (config) => GatewayModule.forRoot(config),
  port: (config) => config.MPR_GATEWAY_PORT,
  links: { rpc: '/mpr.v1.GatewayService/' },
  // One listener for Connect, gRPC-Web and gRPC (HTTP/1.1 and HTTP/2); Fastify keeps /healthz and /metrics behind it.
  adapter: (config) =>
    new FastifyAdapter({
      // Fastify only listens on it; the listener hands it the requests that are not RPCs.
      serverFactory: (fastify: http.RequestListener) =>
        new GatewayListener(
          fastify as unknown as RequestHandler,
          config.MPR_TLS_CERT && config.MPR_TLS_KEY ? { cert: config.MPR_TLS_CERT, key: config.MPR_TLS_KEY } : undefined,
        ) as unknown as http.Server,
    }),
  configure: (app) => app.get(GatewayRpc).mount(app.getHttpServer() as unknown as GatewayListener),
};
