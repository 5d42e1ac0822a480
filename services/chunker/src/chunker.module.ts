import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, CoreModule, DispatchHold, dispatchSwitchProviders, executionProviders, WorkerPresenceRepository } from '@mpr/core';
import { ChunkAborts } from './chunk-aborts';
import { ChunkAttempts } from './chunk-attempt.service';
import { ChunkStitcher } from './chunk-stitch.service';
import { ChunkContextLoader } from './chunk-context';
import { ChunkCoordinator } from './chunk-coordinator.service';
import { ChunkEncodes } from './chunk-encode.service';
import { ChunkPipeline } from './chunk-pipeline.service';
import { ChunkWatcher } from './chunk-watcher.service';
import { ChunkWorkRepository } from './chunk-work.repository';
import { ChunkerMetrics } from './chunker.metrics';
import { ChunkerPresence } from './chunker-presence';
import { CHUNKER_SETTINGS, chunkerSettings } from './chunker.settings';
import { SegmentMonitors } from './segment-monitor';
import { SegmentWorkers } from './segment-worker.service';
import { WorkDirRepository } from './work-dir.repository';

@Module({})
export class ChunkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ChunkerModule,
      imports: [CoreModule.forRoot('chunker', config)],
      providers: [
        { provide: CHUNKER_SETTINGS, useValue: chunkerSettings(config) },
        ...executionProviders(config),
        ChunkerMetrics,
        ChunkAborts,
        ChunkContextLoader,
        ChunkWorkRepository,
        WorkDirRepository,
        ChunkAttempts,
        ChunkStitcher,
        SegmentMonitors,
        ChunkEncodes,
        ChunkPipeline,
        ChunkWatcher,
        ...dispatchSwitchProviders(),
        DispatchHold,
        ChunkCoordinator,
        WorkerPresenceRepository,
        ChunkerPresence,
        SegmentWorkers,
      ],
    };
  }
}
