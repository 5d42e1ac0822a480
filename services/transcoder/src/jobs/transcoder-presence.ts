import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, ReplicaPresence, WorkerPresenceRepository } from '@mpr/core';
import { TRANSCODER_SETTINGS, type TranscoderSettings } from '../transcoder.settings';

/** This replica's transcode slots on `mpr.telemetry.worker.<workerId>`, for the gateway's WatchWorkers; JobStarted names the same ids. */
@Injectable()
export class TranscoderPresence extends ReplicaPresence {
  constructor(repository: WorkerPresenceRepository, @Inject(APP_CONFIG) config: AppConfig, @Inject(TRANSCODER_SETTINGS) settings: TranscoderSettings) {
    super(repository, config, {
      kind: 'transcoder',
      replicaId: settings.workerIdPrefix,
      slots: settings.concurrency,
      workerId: (slot) => `${settings.workerIdPrefix}-${slot}`,
    });
  }
}
