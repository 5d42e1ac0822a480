import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, CoreModule, DispatchHold, dispatchSwitchProviders, executionProviders, WorkerPresenceRepository } from '@mpr/core';
import { AttemptClaimer } from './jobs/attempt-claimer.service';
import { AttemptWatcher } from './jobs/attempt-watcher.service';
import { RunningAttempts } from './jobs/running-attempts';
import { TranscodeJobService } from './jobs/transcode-job.service';
import { TranscoderPresence } from './jobs/transcoder-presence';
import { TranscoderMetrics } from './transcoder.metrics';
import { TRANSCODER_SETTINGS, transcoderSettings } from './transcoder.settings';
import { TranscodeDispatcher } from './work/transcode-dispatcher.service';
import { TranscodeQueueRepository } from './work/transcode-queue.repository';

@Module({})
export class TranscoderModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: TranscoderModule,
      imports: [CoreModule.forRoot('transcoder', config)],
      providers: [
        { provide: TRANSCODER_SETTINGS, useValue: transcoderSettings(config) },
        ...executionProviders(config),
        TranscodeQueueRepository,
        RunningAttempts,
        WorkerPresenceRepository,
        TranscoderPresence,
        TranscoderMetrics,
        AttemptClaimer,
        TranscodeJobService,
        AttemptWatcher,
        ...dispatchSwitchProviders(),
        DispatchHold,
        TranscodeDispatcher,
      ],
    };
  }
}
