import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, WorkerPresence, WorkerPresenceRepository } from '@mpr/core';
import { CHUNKER_SETTINGS, type ChunkerSettings } from './chunker.settings';

/** This replica's segment workers on `mpr.telemetry.worker.<workerId>`, for the gateway's WatchWorkers. */
@Injectable()
export class ChunkerPresence extends WorkerPresence implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ChunkerPresence');

  constructor(
    repository: WorkerPresenceRepository,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CHUNKER_SETTINGS) private readonly settings: ChunkerSettings,
  ) {
    super(repository, {
      kind: 'chunker',
      replicaId: settings.replicaId,
      intervalMs: config.MPR_PRESENCE_INTERVAL_SECONDS * 1000,
      onError: (err) => this.logger.debug(`presence not published: ${err.message}`),
    });
  }

  /** The worker id segment telemetry names for a slot. */
  workerId(slot: number): string {
    return `${this.settings.replicaId}-w${slot}`;
  }

  onApplicationBootstrap(): void {
    this.start(Array.from({ length: this.settings.workers }, (_, slot) => this.workerId(slot)));
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }
}
