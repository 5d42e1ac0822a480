import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Pool } from 'pg';
import { NATS_CONNECTION, PG_POOL, SERVICE_NAME } from '../core.tokens';
import { StreamNames } from '../events/streams';

export interface CheckResult {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface HealthReport {
  service: string;
  status: 'ok' | 'degraded';
  checks: Record<string, CheckResult>;
}

const CHECK_TIMEOUT_MS = 2_000;

@Injectable()
export class HealthService {
  constructor(
    @Inject(SERVICE_NAME) private readonly service: string,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly names: StreamNames,
  ) {}

  /** Each check bounded by `timeoutMs` (2 s for /healthz; shorter where someone waits for many answers). */
  async report(timeoutMs = CHECK_TIMEOUT_MS): Promise<HealthReport> {
    const [nats, postgres] = await Promise.all([
      timed(timeoutMs, async () => {
        // The event stream itself, not just the socket: JetStream can be down while NATS is up.
        const jsm = await jetstreamManager(this.nats);
        await jsm.streams.info(this.names.events);
      }),
      timed(timeoutMs, async () => {
        await this.pool.query('SELECT 1');
      }),
    ]);
    const checks = { nats, postgres };
    return { service: this.service, status: nats.ok && postgres.ok ? 'ok' : 'degraded', checks };
  }
}

async function timed(timeoutMs: number, check: () => Promise<void>): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
