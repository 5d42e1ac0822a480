import { type BeforeApplicationShutdown, type FactoryProvider, type InjectionToken, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../core.tokens';
import { WorkerPresence, type WorkerKind } from './worker-presence';
import { WorkerPresenceRepository } from './worker-presence.repository';

/** A replica's workers: how many slots it runs and the id each slot goes by in its events and telemetry. */
export interface ReplicaWorkers {
  readonly kind: WorkerKind;
  readonly replicaId: string;
  readonly slots: number;
  workerId(slot: number): string;
}

/**
 * One replica's worker presence as a Nest provider: every slot announced at
 * bootstrap and on every beat, all `leaving` at shutdown. The transcoder and
 * the chunker each provide it with their own slots (replicaPresenceProvider).
 */
export class ReplicaPresence extends WorkerPresence implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    repository: WorkerPresenceRepository,
    intervalMs: number,
    private readonly replica: ReplicaWorkers,
  ) {
    const logger = new Logger(`Presence ${replica.kind}`);
    super(repository, {
      kind: replica.kind,
      replicaId: replica.replicaId,
      intervalMs,
      onError: (err) => logger.debug(`presence not published: ${err.message}`),
    });
  }

  /** The worker id a slot goes by (in JobStarted, segment telemetry and its presence). */
  workerId(slot: number): string {
    return this.replica.workerId(slot);
  }

  onApplicationBootstrap(): void {
    this.start(Array.from({ length: this.replica.slots }, (_, slot) => this.workerId(slot)));
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }
}

/** Provides ReplicaPresence in a service's module, its workers read from that service's settings (`settingsToken`). */
export function replicaPresenceProvider<S>(settingsToken: InjectionToken, workers: (settings: S) => ReplicaWorkers): FactoryProvider<ReplicaPresence> {
  return {
    provide: ReplicaPresence,
    inject: [WorkerPresenceRepository, APP_CONFIG, settingsToken],
    useFactory: (repository: WorkerPresenceRepository, config: AppConfig, settings: S) =>
      new ReplicaPresence(repository, config.MPR_PRESENCE_INTERVAL_SECONDS * 1000, workers(settings)),
  };
}
