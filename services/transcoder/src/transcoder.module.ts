import { type DynamicModule, Module } from '@nestjs/common';
import {
  type AppConfig,
  CoreModule,
  FfmpegRepository,
  FfprobeRepository,
  JobEventsRepository,
  JobRecorder,
  JobTelemetryRepository,
  MEDIA_IN_ROOT,
  MEDIA_OUT_ROOT,
  MediaRoot,
  OutputFilesRepository,
  OutputService,
  TranscodePlanner,
} from '@mpr/core';
import { AttemptClaimer } from './jobs/attempt-claimer.service';
import { AttemptWatcher } from './jobs/attempt-watcher.service';
import { RunningAttempts } from './jobs/running-attempts';
import { TranscodeJobService } from './jobs/transcode-job.service';
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
        { provide: MEDIA_IN_ROOT, useValue: new MediaRoot('in', config.MEDIA_IN) },
        { provide: MEDIA_OUT_ROOT, useValue: new MediaRoot('out', config.MEDIA_OUT) },
        { provide: FfmpegRepository, useValue: new FfmpegRepository() },
        { provide: FfprobeRepository, useValue: new FfprobeRepository() },
        TranscodeQueueRepository,
        JobEventsRepository,
        JobTelemetryRepository,
        OutputFilesRepository,
        RunningAttempts,
        TranscodePlanner,
        OutputService,
        TranscoderMetrics,
        JobRecorder,
        AttemptClaimer,
        TranscodeJobService,
        AttemptWatcher,
        TranscodeDispatcher,
      ],
    };
  }
}
