import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { assetDecider, IllegalTransition } from '@mpr/core';
import { CommandBus } from '../projections/command.bus';
import { AssetRow } from '../read-models/asset.entity';
import { JobRow } from '../read-models/job.entity';
import { rowOrNotFound } from '../read-models/row-or-not-found';
import { RowsByIdLoader } from '../read-models/rows-by-id.loader';
import { ASSET_STATUSES, parseStatusFilter } from '../read-models/status-filter';

@Injectable()
export class AssetService {
  private readonly byId: RowsByIdLoader<AssetRow>;

  constructor(
    @InjectRepository(AssetRow) private readonly assets: Repository<AssetRow>,
    @InjectRepository(JobRow) private readonly jobs: Repository<JobRow>,
    private readonly bus: CommandBus,
  ) {
    this.byId = new RowsByIdLoader(assets);
  }

  list(status?: string | null): Promise<AssetRow[]> {
    const filter = parseStatusFilter(status, ASSET_STATUSES);
    return this.assets.find({ where: filter ? { status: filter } : {}, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  countMissing(): Promise<number> {
    return this.assets.countBy({ status: 'missing' });
  }

  find(id: string): Promise<AssetRow | null> {
    return this.assets.findOneBy({ id });
  }

  /** find, batched with the other ids the same GraphQL request asks (`request`: its context). */
  findInRequest(request: object, id: string): Promise<AssetRow | null> {
    return this.byId.load(request, id);
  }

  get(id: string): Promise<AssetRow> {
    return rowOrNotFound(this.assets, 'asset', id);
  }

  async update(id: string, comments: string): Promise<AssetRow> {
    await this.get(id);
    await this.bus.execute({ type: 'asset', id }, assetDecider, { type: 'UpdateAsset', assetId: id, comments });
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    const asset = await this.get(id);
    const running = await this.jobs.find({ where: { sourceAssetId: id, status: In(['pending', 'processing']) }, select: { id: true } });
    if (running.length > 0) {
      throw new IllegalTransition(
        'asset',
        id,
        asset.status.toUpperCase(),
        'delete',
        `used by pending or processing job(s) ${running.map((j) => j.id).join(', ')}`,
      );
    }
    await this.bus.execute({ type: 'asset', id }, assetDecider, { type: 'DeleteAsset', assetId: id });
  }
}
