import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, CoreModule } from '@mpr/core';

@Module({})
export class TranscoderModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: TranscoderModule, imports: [CoreModule.forRoot('transcoder', config)] };
  }
}
