import type { ServiceName } from '../service/service.runner';
import type { HealthReport } from './health.service';

/**
 * What one replica of a service answers on `<root>.health` (JSON): its own
 * /healthz report, who it is and since when. The API gathers every answer
 * for `systemStatus.services`; a service with no replica answering is shown
 * as such, since NATS cannot tell an absent service from a silent one.
 */
export interface HealthPingReply extends HealthReport {
  service: ServiceName;
  /** `<host>-<pid>`: the process that answered. */
  replicaId: string;
  /** ISO 8601. */
  startedAt: string;
}

/** How long a replica's checks may take when it answers a ping; the asker waits a little longer than this for every answer. */
export const HEALTH_PING_CHECK_MS = 750;
