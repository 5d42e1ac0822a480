import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { assetDecider, assetIdFor, DomainError, FfprobeRepository, isSupportedMedia, mapLimit, MediaRoot, ProbeError } from '@mpr/core';
import { CommandBus } from '../projections/command.bus';
import { AssetRow } from '../read-models/asset.entity';
import { walkFiles } from './media-walker';
import { MEDIA_IN_ROOT } from '@mpr/core';

export interface ScanResult {
  /** Supported media files under MEDIA_IN. */
  found: number;
  /** Newly registered now (probed, or in status error with ffprobe's reason). */
  registered: number;
  /** Already registered, or refused (e.g. a symlink leading out of the root). */
  skipped: number;
  /** Files whose type MPR does not take. */
  unsupported: number;
}

const PROBE_CONCURRENCY = 4;
const PROBE_TIMEOUT_MS = 20_000;

@Injectable()
export class ScanService {
  private readonly logger = new Logger(ScanService.name);

  constructor(
    @Inject(MEDIA_IN_ROOT) private readonly root: MediaRoot,
    @InjectRepository(AssetRow) private readonly assets: Repository<AssetRow>,
    private readonly ffprobe: FfprobeRepository,
    private readonly bus: CommandBus,
  ) {}

  async scan(): Promise<ScanResult> {
    const files = await walkFiles(this.root.path, (path, err) => this.logger.warn(`cannot read ${path}: ${err.message}`));
    const media = files.filter(isSupportedMedia);
    const outcomes = await mapLimit(media, PROBE_CONCURRENCY, (path) => this.registerOne(path));
    const registered = outcomes.filter((o) => o === 'registered').length;
    return { found: media.length, registered, skipped: media.length - registered, unsupported: files.length - media.length };
  }

  private async registerOne(absolutePath: string): Promise<'registered' | 'skipped'> {
    const filePath = this.root.relativeOf(absolutePath);
    const assetId = assetIdFor('in', filePath);
    if (await this.assets.existsBy({ id: assetId })) return 'skipped';
    let realPath: string;
    try {
      realPath = await this.root.resolve(filePath);
    } catch (err) {
      this.logger.warn(`skipping ${filePath}: ${(err as Error).message}`);
      return 'skipped';
    }
    const { size } = await stat(realPath);
    try {
      await this.bus.execute({ type: 'asset', id: assetId }, assetDecider, {
        type: 'RegisterAsset',
        assetId,
        filePath,
        filename: basename(filePath),
        fileSize: BigInt(size),
        root: 'in',
      });
    } catch (err) {
      // Another scan registered it between our check and our append.
      if (err instanceof DomainError) return 'skipped';
      throw err;
    }
    try {
      const probe = await this.ffprobe.probe(realPath, PROBE_TIMEOUT_MS);
      await this.bus.execute({ type: 'asset', id: assetId }, assetDecider, { type: 'RecordProbe', assetId, probe });
    } catch (err) {
      if (!(err instanceof ProbeError)) throw err;
      await this.bus.execute({ type: 'asset', id: assetId }, assetDecider, {
        type: 'RecordProbeFailure',
        assetId,
        errorMessage: err.message,
      });
    }
    return 'registered';
  }
}
