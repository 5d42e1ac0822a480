import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { hostname } from 'node:os';
import { NATS_CONNECTION, SERVICE_NAME } from '../core.tokens';
import { StreamNames } from '../events/streams';
import type { ServiceName } from '../service/service.runner';
import { HEALTH_PING_CHECK_MS, type HealthPingReply } from './health-ping';
import { HealthService } from './health.service';

/**
 * Answers `<root>.health` with this replica's health, so one request reaches
 * every replica of every service wherever it runs (no queue group: each
 * answers). Like /healthz it gives a status and no data; who may publish on
 * NATS at all is the NATS server's authorization.
 */
@Injectable()
export class HealthResponder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HealthResponder.name);
  private readonly replicaId = `${hostname()}-${process.pid}`;
  private readonly startedAt = new Date().toISOString();
  private subscription?: Subscription;

  constructor(
    @Inject(SERVICE_NAME) private readonly service: ServiceName,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    private readonly names: StreamNames,
    private readonly health: HealthService,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nats.subscribe(this.names.healthSubject(), {
      callback: (err, msg) => {
        if (!err) void this.answer(msg);
      },
    });
  }

  beforeApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  private async answer(msg: Msg): Promise<void> {
    const report = await this.health.report(HEALTH_PING_CHECK_MS);
    const reply: HealthPingReply = { ...report, service: this.service, replicaId: this.replicaId, startedAt: this.startedAt };
    try {
      msg.respond(JSON.stringify(reply));
    } catch (err) {
      // The connection closed meanwhile (shutdown): the asker counts this replica as silent.
      this.logger.debug(`health answer not sent: ${(err as Error).message}`);
    }
  }
}
