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

/**
 * What publishing a job's output takes (media roots, ffmpeg/ffprobe, output
 * files, the output service, job telemetry): the workers, and the API for a
 * cloud attempt's callback.
 */
export function outputProviders(config: AppConfig): Provider[] {
  return [
    ...mediaStoreProviders(config),
    { provide: FfmpegRepository, useValue: new FfmpegRepository() },
    { provide: FfprobeRepository, useValue: new FfprobeRepository() },
    JobTelemetryRepository,
    OutputFilesRepository,
    OutputService,
  ];
}

/** What every service that runs jobs (transcoder, chunker) provides: output publishing, and job bookkeeping and planning. */
export function executionProviders(config: AppConfig): Provider[] {
  return [...outputProviders(config), JobEventsRepository, JobRecorder, TranscodePlanner];
}
