import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, CoreModule } from '@mpr/core';

@Module({})
export class ChunkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ChunkerModule, imports: [CoreModule.forRoot('chunker', config)] };
  }
}
