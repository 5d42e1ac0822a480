import { type HealthPingReply, SERVICE_NAMES, type ServiceName } from '@mpr/core';

export interface ReplicaHealth {
  replicaId: string;
  status: 'ok' | 'degraded';
  startedAt: Date;
  checks: Array<{ name: string; ok: boolean; latencyMs: number; error: string | null }>;
}

export interface ServiceHealth {
  service: ServiceName;
  /** ok: every replica that answered is ok; degraded: one is not; silent: none answered the ping. */
  status: 'ok' | 'degraded' | 'silent';
  replicas: ReplicaHealth[];
}

/**
 * Every service of the platform with the replicas that answered the health
 * ping, in a fixed order; a service none of whose replicas answered is
 * `silent` (stopped, or cut off from NATS — the ping cannot tell which). An
 * answer from a service this build does not know is left out.
 */
export function summarizeServiceHealth(replies: readonly HealthPingReply[]): ServiceHealth[] {
  return SERVICE_NAMES.map((service) => {
    const replicas = replies
      .filter((reply) => reply.service === service)
      .map((reply): ReplicaHealth => ({
        replicaId: reply.replicaId,
        status: reply.status,
        startedAt: new Date(reply.startedAt),
        checks: Object.entries(reply.checks).map(([name, check]) => ({ name, ok: check.ok, latencyMs: check.latencyMs, error: check.error ?? null })),
      }))
      .sort((a, b) => a.replicaId.localeCompare(b.replicaId));
    const status = replicas.length === 0 ? 'silent' : replicas.every((r) => r.status === 'ok') ? 'ok' : 'degraded';
    return { service, status, replicas };
  });
}
