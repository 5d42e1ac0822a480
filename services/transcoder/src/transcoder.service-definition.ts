import type { ServiceDefinition } from '@mpr/core';
import { TranscoderModule } from './transcoder.module';

export const transcoderService: ServiceDefinition = {
  name: 'transcoder',
  module: (config) => TranscoderModule.forRoot(config),
  port: (config) => config.MPR_TRANSCODER_PORT,
};
