import type { ServiceDefinition } from '@mpr/core';
import { ApiModule } from './api.module';

export const apiService: ServiceDefinition = {
  name: 'api',
  module: (config) => ApiModule.forRoot(config),
  port: (config) => config.MPR_API_PORT,
};
