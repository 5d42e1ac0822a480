import type { WorkerPresence } from '@mpr/contracts/gateway_pb';
import { expiresAtMs } from './gateway.messages';

export type RosterChange = { kind: 'worker'; worker: WorkerPresence } | { kind: 'gone'; workerId: string };

/**
 * The workers one WatchWorkers stream knows alive. Pure: presence in,
 * changes out; a worker is gone when it says it leaves or when its expiry
 * passes without a newer heartbeat.
 */
export class WorkerRoster {
  private readonly expiries = new Map<string, number>();

  apply(presence: WorkerPresence, now: number): RosterChange | undefined {
    const expiresAt = expiresAtMs(presence);
    if (presence.leaving || expiresAt <= now) {
      return this.expiries.delete(presence.workerId) ? { kind: 'gone', workerId: presence.workerId } : undefined;
    }
    this.expiries.set(presence.workerId, expiresAt);
    return { kind: 'worker', worker: presence };
  }

  /** Workers whose expiry passed: removed, and announced gone. */
  expire(now: number): RosterChange[] {
    const gone: RosterChange[] = [];
    for (const [workerId, expiresAt] of this.expiries) {
      if (expiresAt > now) continue;
      this.expiries.delete(workerId);
      gone.push({ kind: 'gone', workerId });
    }
    return gone;
  }

  get size(): number {
    return this.expiries.size;
  }
}
