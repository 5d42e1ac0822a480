import { Inject } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { APP_CONFIG, type AppConfig, HealthService } from '@mpr/core';
import { version as VERSION } from '../../../../package.json';
import { SystemStatusType } from './system.types';

@Resolver(() => SystemStatusType)
export class SystemResolver {
  constructor(
    private readonly health: HealthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Query(() => SystemStatusType)
  async systemStatus(): Promise<SystemStatusType> {
    const report = await this.health.report();
    return {
      status: report.status,
      version: VERSION,
      executor: this.config.MPR_EXECUTOR,
      natsConnected: report.checks.nats.ok,
      databaseConnected: report.checks.postgres.ok,
    };
  }
}
