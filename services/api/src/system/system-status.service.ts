import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig, HealthService, ValidationError } from '@mpr/core';
import { version as VERSION } from '../../../../package.json';
import { AssetService } from '../assets/asset.service';
import { READ_MODELS_PROJECTION } from '../projections/read-model.writer';
import { CheckpointRow } from '../read-models/checkpoint.entity';
import { JobRow } from '../read-models/job.entity';
import { type ServiceHealth, summarizeServiceHealth } from './service-health.summary';
import { ServiceHealthRepository } from './service-health.repository';
import { StreamStateRepository, type WorkQueueInfo } from './stream-state.repository';

export interface SystemOverview {
  status: 'ok' | 'degraded';
  version: string;
  executor: string;
  natsConnected: boolean;
  databaseConnected: boolean;
  missingAssets: number | null;
}

export interface ReadModelPosition {
  /** The last MPR_EVENTS sequence the read models applied. */
  checkpoint: number;
  /** The last sequence the log holds. */
  logHead: number;
  /** Events the read models have yet to apply. */
  behind: number;
  /** When the checkpoint last moved; null before the first event. */
  updatedAt: Date | null;
}

/**
 * What the System view shows, each part read on its own (GraphQL asks only
 * for the fields a query names): the API's own health, every service's
 * answer to the health ping, MPR_WORK per work class, the read models
 * against the log, the latest failures.
 */
@Injectable()
export class SystemStatusService {
  constructor(
    private readonly health: HealthService,
    private readonly assets: AssetService,
    private readonly replicas: ServiceHealthRepository,
    private readonly streams: StreamStateRepository,
    @InjectRepository(CheckpointRow) private readonly checkpoints: Repository<CheckpointRow>,
    @InjectRepository(JobRow) private readonly jobs: Repository<JobRow>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async overview(): Promise<SystemOverview> {
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

  async services(): Promise<ServiceHealth[]> {
    return summarizeServiceHealth(await this.replicas.ping());
  }

  workQueues(): Promise<WorkQueueInfo[]> {
    return this.streams.workQueues();
  }

  async readModels(): Promise<ReadModelPosition> {
    const [row, logHead] = await Promise.all([this.checkpoints.findOneBy({ name: READ_MODELS_PROJECTION }), this.streams.eventLogHead()]);
    const checkpoint = row?.sequence ?? 0;
    return { checkpoint, logHead, behind: Math.max(0, logHead - checkpoint), updatedAt: row?.updatedAt ?? null };
  }

  /** Failed jobs, the latest failure first. */
  async recentFailures(limit: number): Promise<JobRow[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError(`limit ${limit} must be 1 to 100`, 'limit');
    return this.jobs.find({ where: { status: 'failed' }, order: { version: 'DESC' }, take: limit });
  }
}
