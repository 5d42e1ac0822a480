import type { ServiceDefinition } from '@mpr/core';
import { SchedulerModule } from './scheduler.module';

export const schedulerService: ServiceDefinition = {
  name: 'scheduler',
  module: (config) => SchedulerModule.forRoot(config),
  port: (config) => config.MPR_SCHEDULER_PORT,
};
