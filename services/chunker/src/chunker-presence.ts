import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, ReplicaPresence, WorkerPresenceRepository } from '@mpr/core';
import { CHUNKER_SETTINGS, type ChunkerSettings } from './chunker.settings';

/** This replica's segment workers on `mpr.telemetry.worker.<workerId>`, for the gateway's WatchWorkers; segment telemetry names the same ids. */
@Injectable()
export class ChunkerPresence extends ReplicaPresence {
  constructor(repository: WorkerPresenceRepository, @Inject(APP_CONFIG) config: AppConfig, @Inject(CHUNKER_SETTINGS) settings: ChunkerSettings) {
    super(repository, config, {
      kind: 'chunker',
      replicaId: settings.replicaId,
      slots: settings.workers,
      workerId: (slot) => `${settings.replicaId}-w${slot}`,
    });
  }
}
