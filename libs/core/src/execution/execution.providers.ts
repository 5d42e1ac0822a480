import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../config/config.schema';
import { FfmpegRepository } from '../ffmpeg/ffmpeg.repository';
import { FfprobeRepository } from '../media/ffprobe.repository';
import { JobEventsRepository } from './job-events.repository';
import { JobRecorder } from './job-recorder.service';
import { JobTelemetryRepository } from './job-telemetry.repository';
import { mediaStoreProviders } from '../storage/media-store.providers';
import { OutputFilesRepository } from './output-files.repository';
import { OutputService } from './output.service';
import { TranscodePlanner } from './transcode-planner.service';

/** What every service that runs jobs (transcoder, chunker) provides: media roots, ffmpeg/ffprobe, job bookkeeping and output publishing. */
export function executionProviders(config: AppConfig): Provider[] {
  return [
    ...mediaStoreProviders(config),
    { provide: FfmpegRepository, useValue: new FfmpegRepository() },
    { provide: FfprobeRepository, useValue: new FfprobeRepository() },
    JobEventsRepository,
    JobRecorder,
    JobTelemetryRepository,
    TranscodePlanner,
    OutputFilesRepository,
    OutputService,
  ];
}
