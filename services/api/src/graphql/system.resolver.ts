import { Inject } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { APP_CONFIG, type AppConfig, HealthService } from '@mpr/core';
import { version as VERSION } from '../../../../package.json';
import { AssetService } from '../assets/asset.service';
import { SystemStatusType } from './system.types';

@Resolver(() => SystemStatusType)
export class SystemResolver {
  constructor(
    private readonly health: HealthService,
    private readonly assets: AssetService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Query(() => SystemStatusType)
  async systemStatus(): Promise<SystemStatusType> {
    const report = await this.health.report();
    // Unknown rather than an error while PostgreSQL does not answer: the status must still say "degraded".
    const missingAssets = report.checks.postgres.ok ? await this.assets.countMissing().catch(() => null) : null;
    return {
      status: report.status,
      version: VERSION,
      executor: this.config.MPR_EXECUTOR,
      natsConnected: report.checks.nats.ok,
      databaseConnected: report.checks.postgres.ok,
      missingAssets,
    };
  }
}
