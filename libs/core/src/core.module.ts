import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { jetstream, type JetStreamClient, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Pool } from 'pg';
import type { AppConfig } from './config/config.schema';
import { APP_CONFIG, JETSTREAM_CLIENT, NATS_CONNECTION, PG_POOL, SERVICE_NAME } from './core.tokens';
import { EventStore } from './events/event-store';
import { ensureStreams, StreamNames } from './events/streams';
import { HealthController } from './health/health.controller';
import { HealthResponder } from './health/health.responder';
import { HealthService } from './health/health.service';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsRegistry } from './metrics/metrics.registry';
import { connectNats } from './nats/nats.connection';

/**
 * What every service gets: validated config, one NATS connection with the
 * streams in place, the event store, a PostgreSQL pool, /healthz and /metrics,
 * and an answer to the health ping on NATS (`<root>.health`).
 */
@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  static forRoot(serviceName: string, config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_NAME, useValue: serviceName },
        { provide: APP_CONFIG, useValue: config },
        { provide: StreamNames, useValue: new StreamNames(config.MPR_STREAM_PREFIX) },
        {
          provide: NATS_CONNECTION,
          inject: [StreamNames],
          useFactory: async (names: StreamNames) => {
            const nc = await connectNats(config.NATS_URL, `mpr-${serviceName}`);
            await ensureStreams(await jetstreamManager(nc), names);
            return nc;
          },
        },
        { provide: JETSTREAM_CLIENT, inject: [NATS_CONNECTION], useFactory: (nc: NatsConnection) => jetstream(nc) },
        {
          provide: EventStore,
          inject: [JETSTREAM_CLIENT, StreamNames],
          useFactory: (js: JetStreamClient, names: StreamNames) => new EventStore(js, names),
        },
        {
          provide: PG_POOL,
          // Small: read models get their own pool; this one serves health checks and projections' checkpoints.
          useFactory: () => new Pool({ connectionString: config.DATABASE_URL, max: 4, connectionTimeoutMillis: 3_000 }),
        },
        HealthService,
        HealthResponder,
        MetricsRegistry,
      ],
      exports: [SERVICE_NAME, APP_CONFIG, StreamNames, NATS_CONNECTION, JETSTREAM_CLIENT, EventStore, PG_POOL, HealthService, MetricsRegistry],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.nats.drain().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}
