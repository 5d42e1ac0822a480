import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, CoreModule } from '@mpr/core';

@Module({})
export class SchedulerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: SchedulerModule, imports: [CoreModule.forRoot('scheduler', config)] };
  }
}
