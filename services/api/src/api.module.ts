import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, CoreModule } from '@mpr/core';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ApiModule, imports: [CoreModule.forRoot('api', config)] };
  }
}
