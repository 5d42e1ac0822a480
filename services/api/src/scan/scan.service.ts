import { posix } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, type Repository } from 'typeorm';
import {
  assetDecider,
  assetIdFor,
  DomainError,
  EventStore,
  FfprobeRepository,
  isSupportedMedia,
  loadState,
  mapLimit,
  MEDIA_IN_STORE,
  type MediaStore,
  ProbeError,
  type StoredObject,
  StoredObjectMissing,
  ValidationError,
} from '@mpr/core';
import { CommandBus } from '../projections/command.bus';
import { AssetRow } from '../read-models/asset.entity';

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
  /** Assets left pending by a probe that never finished (the API stopped mid-scan): probed now. */
  reprobed: number;
}

type Outcome = 'registered' | 'returned' | 'reprobed' | 'skipped';

const PROBE_CONCURRENCY = 4;
const PROBE_TIMEOUT_MS = 20_000;

@Injectable()
export class ScanService {
  private readonly logger = new Logger(ScanService.name);
  /** Assets a scan in this process is registering or probing: a scan that overlaps it leaves them alone. */
  private readonly probing = new Set<string>();

  constructor(
    @Inject(MEDIA_IN_STORE) private readonly root: MediaStore,
    @InjectRepository(AssetRow) private readonly assets: Repository<AssetRow>,
    private readonly ffprobe: FfprobeRepository,
    private readonly bus: CommandBus,
    private readonly store: EventStore,
  ) {}

  async scan(): Promise<ScanResult> {
    // The whole listing first (an object store's pages of 1000 keys): what is missing is what it does not hold.
    const objects: StoredObject[] = [];
    for await (const object of this.root.list()) objects.push(object);
    const media = objects.filter((object) => isSupportedMedia(object.key));
    const outcomes = await mapLimit(media, PROBE_CONCURRENCY, (object) => this.registerOne(object.key));
    const count = (outcome: Outcome) => outcomes.filter((o) => o === outcome).length;
    const missing = await this.markMissing(new Set(media.map((object) => object.key)));
    return {
      found: media.length,
      registered: count('registered'),
      skipped: count('skipped'),
      unsupported: objects.length - media.length,
      missing,
      returned: count('returned'),
      reprobed: count('reprobed'),
    };
  }

  private async registerOne(filePath: string): Promise<Outcome> {
    const assetId = assetIdFor('in', filePath);
    const known = await this.assets.findOne({ where: { id: assetId }, select: { id: true, status: true } });
    if (known && known.status !== 'missing' && known.status !== 'pending') return 'skipped';
    if (this.probing.has(assetId)) return 'skipped';
    this.probing.add(assetId);
    try {
      return await this.visit(assetId, filePath, known?.status);
    } finally {
      this.probing.delete(assetId);
    }
  }

  private async visit(assetId: string, filePath: string, known: AssetRow['status'] | undefined): Promise<Outcome> {
    let object: StoredObject | undefined;
    try {
      // On a local root this also refuses a symlink that leads out of it.
      object = await this.root.stat(filePath);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      this.logger.warn(`skipping ${filePath}: ${err.message}`);
      return 'skipped';
    }
    // Gone since the listing: the next scan marks it missing.
    if (!object) return 'skipped';
    if (known === 'pending') return this.probeAgain(assetId, filePath);
    const { size, modifiedAt } = object;
    if (known === 'missing') return this.recordReturned(assetId, filePath, size, modifiedAt);
    let pendingAt: number;
    try {
      ({ version: pendingAt } = await this.bus.execute({ type: 'asset', id: assetId }, assetDecider, {
        type: 'RegisterAsset',
        assetId,
        filePath,
        filename: posix.basename(filePath),
        fileSize: size,
        fileModifiedAt: modifiedAt,
        root: 'in',
      }));
    } catch (err) {
      // Another scan registered it between our check and our append.
      if (err instanceof DomainError) return 'skipped';
      throw err;
    }
    await this.probe(assetId, filePath, pendingAt);
    return 'registered';
  }

  /**
   * Pending in the read model, and no scan of this process probing it: its
   * probe died with an earlier process. The log decides, since the read model
   * may not show a probe recorded a moment ago.
   */
  private async probeAgain(assetId: string, filePath: string): Promise<Outcome> {
    const { state, version } = await loadState(this.store, { type: 'asset', id: assetId }, assetDecider);
    if (state.status !== 'PENDING') return 'skipped';
    this.logger.log(`asset ${assetId}: ${filePath} was left pending, probed again`);
    await this.probe(assetId, filePath, version);
    return 'reprobed';
  }

  /** The same id again; a probe only when the decider found the file changed (PENDING). */
  private async recordReturned(assetId: string, filePath: string, fileSize: bigint, fileModifiedAt: Date): Promise<Outcome> {
    const { state, events, version } = await this.bus.execute({ type: 'asset', id: assetId }, assetDecider, {
      type: 'RecordAssetReturned',
      assetId,
      fileSize,
      fileModifiedAt,
    });
    // No event: another scan recorded the return first.
    if (events.length === 0) return 'skipped';
    if (state.status === 'PENDING') await this.probe(assetId, filePath, version);
    return 'returned';
  }

  /**
   * Records what ffprobe says of an asset that became PENDING at `pendingAt`.
   * The command id is that of the probe of that version, so two probes of it
   * (two processes scanning at once) append one outcome.
   */
  private async probe(assetId: string, filePath: string, pendingAt: number): Promise<void> {
    const aggregate = { type: 'asset', id: assetId } as const;
    const options = { commandId: `probe-${assetId}-${pendingAt}` };
    let file;
    try {
      // The file itself on a local root; a bucket's object is copied to scratch space first (docs/media-storage.md says why).
      file = await this.root.localFile(filePath);
    } catch (err) {
      // Deleted since the listing: it stays pending, and the next scan marks it missing.
      if (err instanceof StoredObjectMissing) return;
      throw err;
    }
    try {
      // A failure names the file as users know it (in/holidays/clip.mov), never by its host path.
      const probe = await this.ffprobe.probe(file.path, PROBE_TIMEOUT_MS, [[file.path, `in/${filePath}`]]);
      await this.bus.execute(aggregate, assetDecider, { type: 'RecordProbe', assetId, probe }, options);
    } catch (err) {
      if (!(err instanceof ProbeError)) throw err;
      await this.bus.execute(aggregate, assetDecider, { type: 'RecordProbeFailure', assetId, errorMessage: err.message }, options);
    } finally {
      await file.release();
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
