import type { ServiceDefinition } from '@mpr/core';
import { ChunkerModule } from './chunker.module';

export const chunkerService: ServiceDefinition = {
  name: 'chunker',
  module: (config) => ChunkerModule.forRoot(config),
  port: (config) => config.MPR_CHUNKER_PORT,
};
