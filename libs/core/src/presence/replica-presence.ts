import { type BeforeApplicationShutdown, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../config/config.schema';
import { type WorkerKind, WorkerPresence } from './worker-presence';
import type { WorkerPresenceRepository } from './worker-presence.repository';

/** Which workers a replica has: one per slot, each named by `workerId(slot)`. */
export interface ReplicaSlots {
  kind: WorkerKind;
  replicaId: string;
  slots: number;
  workerId(slot: number): string;
}

/**
 * WorkerPresence as one replica's Nest provider (the transcoder's slots, the
 * chunker's segment workers): every slot announced at bootstrap, beating
 * every MPR_PRESENCE_INTERVAL_SECONDS, leaving at shutdown; a lost publish
 * is a debug line, since presence is a view, never state.
 */
export abstract class ReplicaPresence extends WorkerPresence implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);

  protected constructor(
    repository: WorkerPresenceRepository,
    config: AppConfig,
    private readonly replica: ReplicaSlots,
  ) {
    super(repository, {
      kind: replica.kind,
      replicaId: replica.replicaId,
      intervalMs: config.MPR_PRESENCE_INTERVAL_SECONDS * 1000,
      onError: (err) => this.logger.debug(`presence not published: ${err.message}`),
    });
  }

  /** The worker id that the replica's telemetry and events name for a slot. */
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
