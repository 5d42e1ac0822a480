import { Transport } from '@nestjs/microservices';
import type { ServiceDefinition } from '@mpr/core';
import { ControlReplySerializer, ControlRequestDeserializer } from './control/control.codec';
import { ApiModule } from './api.module';
import { serveDashboard } from './http/dashboard.static';
import { proxyGatewayStreams } from './http/gateway.proxy';

export const apiService: ServiceDefinition = {
  name: 'api',
  module: (config) => ApiModule.forRoot(config),
  port: (config) => config.MPR_API_PORT,
  links: { dashboard: '/', graphiql: '/graphiql', graphql: '/graphql' },
  rawBody: true,
  async configure(app, config) {
    serveDashboard(app);
    proxyGatewayStreams(app, config);
    // mpr.control.<action> request/reply (control/control.controller.ts): one queue group, so one API replica answers each request.
    app.connectMicroservice(
      {
        transport: Transport.NATS,
        options: {
          servers: [config.NATS_URL],
          queue: 'mpr-api-control',
          serializer: new ControlReplySerializer(),
          deserializer: new ControlRequestDeserializer(),
        },
      },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
    // A browser opening /graphql gets GraphiQL; clients posting queries are unaffected.
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', async (request, reply) => {
        const accept = request.headers.accept ?? '';
        if (request.method === 'GET' && request.url === '/graphql' && accept.includes('text/html')) {
          await reply.redirect('/graphiql', 302);
        }
      });
  },
};
