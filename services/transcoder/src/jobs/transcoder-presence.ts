import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, WorkerPresence, WorkerPresenceRepository } from '@mpr/core';
import { TRANSCODER_SETTINGS, type TranscoderSettings } from '../transcoder.settings';

/** This replica's transcode slots on `mpr.telemetry.worker.<workerId>`, for the gateway's WatchWorkers. */
@Injectable()
export class TranscoderPresence extends WorkerPresence implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TranscoderPresence');

  constructor(
    repository: WorkerPresenceRepository,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(TRANSCODER_SETTINGS) private readonly settings: TranscoderSettings,
  ) {
    super(repository, {
      kind: 'transcoder',
      replicaId: settings.workerIdPrefix,
      intervalMs: config.MPR_PRESENCE_INTERVAL_SECONDS * 1000,
      onError: (err) => this.logger.debug(`presence not published: ${err.message}`),
    });
  }

  /** The worker id JobStarted names for a slot. */
  workerId(slot: number): string {
    return `${this.settings.workerIdPrefix}-${slot}`;
  }

  onApplicationBootstrap(): void {
    this.start(Array.from({ length: this.settings.concurrency }, (_, slot) => this.workerId(slot)));
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }
}
