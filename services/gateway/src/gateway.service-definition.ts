import type { ServiceDefinition } from '@mpr/core';
import { GatewayModule } from './gateway.module';

export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: (config) => GatewayModule.forRoot(config),
  port: (config) => config.MPR_GATEWAY_PORT,
};
