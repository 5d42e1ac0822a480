import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, type Repository } from 'typeorm';
import { assetDecider, assetIdFor, DomainError, FfprobeRepository, isSupportedMedia, mapLimit, MEDIA_IN_ROOT, MediaRoot, ProbeError } from '@mpr/core';
import { CommandBus } from '../projections/command.bus';
import { AssetRow } from '../read-models/asset.entity';
import { walkFiles } from './media-walker';

export interface ScanResult {
  /** Supported media files under MEDIA_IN. */
  found: number;
  /** Newly registered now (probed, or in status error with ffprobe's reason). */
  registered: number;
  /** Already registered, or refused (e.g. a symlink leading out of the root). */
  skipped: number;
  /** Files whose type MPR does not take. */
  unsupported: number;
  /** Assets whose file this scan did not find: now in status missing. */
  missing: number;
  /** Missing assets whose file this scan found again (probed again if it changed). */
  returned: number;
}

type Outcome = 'registered' | 'returned' | 'skipped';

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
    const count = (outcome: Outcome) => outcomes.filter((o) => o === outcome).length;
    const missing = await this.markMissing(new Set(media.map((path) => this.root.relativeOf(path))));
    return {
      found: media.length,
      registered: count('registered'),
      skipped: count('skipped'),
      unsupported: files.length - media.length,
      missing,
      returned: count('returned'),
    };
  }

  private async registerOne(absolutePath: string): Promise<Outcome> {
    const filePath = this.root.relativeOf(absolutePath);
    const assetId = assetIdFor('in', filePath);
    const known = await this.assets.findOne({ where: { id: assetId }, select: { id: true, status: true } });
    if (known && known.status !== 'missing') return 'skipped';
    let realPath: string;
    try {
      realPath = await this.root.resolve(filePath);
    } catch (err) {
      this.logger.warn(`skipping ${filePath}: ${(err as Error).message}`);
      return 'skipped';
    }
    const { size, mtime } = await stat(realPath);
    if (known) return this.recordReturned(assetId, filePath, realPath, BigInt(size), mtime);
    try {
      await this.bus.execute({ type: 'asset', id: assetId }, assetDecider, {
        type: 'RegisterAsset',
        assetId,
        filePath,
        filename: basename(filePath),
        fileSize: BigInt(size),
        fileModifiedAt: mtime,
        root: 'in',
      });
    } catch (err) {
      // Another scan registered it between our check and our append.
      if (err instanceof DomainError) return 'skipped';
      throw err;
    }
    await this.probe(assetId, filePath, realPath);
    return 'registered';
  }

  /** The same id again; a probe only when the decider found the file changed (PENDING). */
  private async recordReturned(assetId: string, filePath: string, realPath: string, fileSize: bigint, fileModifiedAt: Date): Promise<Outcome> {
    const { state, events } = await this.bus.execute({ type: 'asset', id: assetId }, assetDecider, {
      type: 'RecordAssetReturned',
      assetId,
      fileSize,
      fileModifiedAt,
    });
    // No event: another scan recorded the return first.
    if (events.length === 0) return 'skipped';
    if (state.status === 'PENDING') await this.probe(assetId, filePath, realPath);
    return 'returned';
  }

  private async probe(assetId: string, filePath: string, realPath: string): Promise<void> {
    try {
      // A failure names the file as users know it (in/holidays/clip.mov), never by its host path.
      const probe = await this.ffprobe.probe(realPath, PROBE_TIMEOUT_MS, [[realPath, `in/${filePath}`]]);
      await this.bus.execute({ type: 'asset', id: assetId }, assetDecider, { type: 'RecordProbe', assetId, probe });
    } catch (err) {
      if (!(err instanceof ProbeError)) throw err;
      await this.bus.execute({ type: 'asset', id: assetId }, assetDecider, {
        type: 'RecordProbeFailure',
        assetId,
        errorMessage: err.message,
      });
    }
  }

  /**
   * Sources registered from MEDIA_IN whose file the walk did not find. A file
   * that is there but refused (a symlink leading out) counts as present: it
   * was skipped with a warning, and its asset keeps its status.
   */
  private async markMissing(present: ReadonlySet<string>): Promise<number> {
    const known = await this.assets.find({ where: { root: 'in', status: Not('missing') }, select: { id: true, filePath: true } });
    const gone = known.filter((asset) => !present.has(asset.filePath));
    const marked = await mapLimit(gone, PROBE_CONCURRENCY, async (asset) => {
      try {
        const { events } = await this.bus.execute({ type: 'asset', id: asset.id }, assetDecider, { type: 'MarkAssetMissing', assetId: asset.id });
        if (events.length > 0) this.logger.log(`asset ${asset.id}: ${asset.filePath} is no longer under MEDIA_IN, marked missing`);
        return events.length > 0;
      } catch (err) {
        // Deleted by a user since we read the list.
        if (err instanceof DomainError) return false;
        throw err;
      }
    });
    return marked.filter(Boolean).length;
  }
}
