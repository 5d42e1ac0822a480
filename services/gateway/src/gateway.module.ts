import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, CoreModule } from '@mpr/core';

@Module({})
export class GatewayModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: GatewayModule, imports: [CoreModule.forRoot('gateway', config)] };
  }
}
