import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Counter } from 'prom-client';
import {
  APP_CONFIG,
  type AppConfig,
  browserPlayback,
  ConcurrencyLimit,
  buildPreviewCommand,
  buildThumbnailStripCommand,
  type FfmpegCommand,
  ffmpegFailure,
  FfmpegRepository,
  MEDIA_IN_STORE,
  MEDIA_OUT_STORE,
  type MediaStore,
  mediaRootPaths,
  MetricsRegistry,
  runFfmpeg,
  type ShownPath,
  StoredObjectMissing,
  type ThumbnailStripGeometry,
  thumbnailStripGeometry,
} from '@mpr/core';
import { AssetService } from '../assets/asset.service';
import { type MediaUrl, MediaUrlService } from '../media/media-url.service';
import type { AssetRow } from '../read-models/asset.entity';
import { type CacheOutcome, DERIVED_FILES, type DerivedKind, DerivedMediaCache } from './derived-media.repository';
import { DerivedMediaUnavailable } from './derived-media.errors';

/** Bumped when a builder's output changes, so cached files made the old way are made again. */
const RECIPE_VERSION = 'v1';
/** A preview of a long file takes a while; a run whose progress stops for this long is stopped. */
const STALL_MS = 60_000;

/** How the dashboard plays an asset: its own file, or a preview because a browser cannot (with why). */
export interface Playback extends MediaUrl {
  preview: boolean;
  reason: string | null;
}

export interface ThumbnailStrip extends MediaUrl, ThumbnailStripGeometry {}

/**
 * Media derived from an asset for the dashboard: a browser preview of a file a browser cannot play, and a
 * strip of thumbnails for a scrubber. Made with ffmpeg on the first request, cached (DerivedMediaCache),
 * served behind the media door (signed URLs under `derived/`).
 */
@Injectable()
export class DerivedMediaService implements OnModuleDestroy {
  private readonly stopping = new AbortController();
  private readonly requests: Counter<'kind' | 'outcome'>;
  private readonly runs: Counter<'kind'>;
  private readonly queued: Counter<'kind'>;
  /**
   * One queue for every make of this replica: a page of assets (or a script) asking for fifty previews at once
   * started fifty ffmpeg processes. Requests for the same file never reach it twice (DerivedMediaCache's single flight).
   */
  private readonly slots: ConcurrencyLimit;
  private peak = 0;

  constructor(
    private readonly assets: AssetService,
    private readonly cache: DerivedMediaCache,
    private readonly ffmpeg: FfmpegRepository,
    private readonly urls: MediaUrlService,
    @Inject(MEDIA_IN_STORE) private readonly inStore: MediaStore,
    @Inject(MEDIA_OUT_STORE) private readonly outStore: MediaStore,
    metrics: MetricsRegistry,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'MPR_DERIVED_MEDIA_CONCURRENCY'>,
  ) {
    this.requests = metrics.counter(
      'mpr_derived_media_requests_total',
      'Requests for derived media (previews, thumbnail strips) by outcome: cached, made (ran ffmpeg), joined (waited for a run in flight), failed.',
      ['kind', 'outcome'],
    );
    this.slots = new ConcurrencyLimit(config.MPR_DERIVED_MEDIA_CONCURRENCY);
    this.runs = metrics.counter('mpr_derived_media_ffmpeg_runs_total', 'ffmpeg processes started for derived media, by kind.', ['kind']);
    this.queued = metrics.counter(
      'mpr_derived_media_ffmpeg_queued_total',
      'Makes of derived media that waited for a free slot (MPR_DERIVED_MEDIA_CONCURRENCY) before starting ffmpeg, by kind.',
      ['kind'],
    );
    const slots = this.slots;
    metrics.gauge('mpr_derived_media_ffmpeg_running', 'ffmpeg processes running for derived media now.', [], function () {
      this.set(slots.running);
    });
    const peakOf = () => this.peak;
    metrics.gauge(
      'mpr_derived_media_ffmpeg_running_peak',
      'The most ffmpeg processes for derived media that ran at once since the API started.',
      [],
      function () {
        this.set(peakOf());
      },
    );
  }

  onModuleDestroy(): void {
    this.stopping.abort(new Error('the API is stopping'));
  }

  /** The URL a player should use for `asset`: its file when a browser plays it, else its preview; null until it is ready. */
  playbackFor(asset: AssetRow): Playback | null {
    if (asset.status !== 'ready' || (!asset.videoCodec && !asset.audioCodec)) return null;
    const decision = browserPlayback({ container: asset.container ?? '', videoCodec: asset.videoCodec ?? '', audioCodec: asset.audioCodec ?? '' });
    if (decision.playable) return { ...this.urls.urlFor(rootOf(asset), asset.filePath), preview: false, reason: null };
    return { ...this.derivedUrl(asset.id, 'preview'), preview: true, reason: decision.reason };
  }

  /** Where the asset's thumbnail strip is and how it is laid out; null for an asset without video or not ready. */
  thumbnailStripFor(asset: AssetRow): ThumbnailStrip | null {
    const geometry = this.geometryOf(asset);
    return geometry ? { ...this.derivedUrl(asset.id, 'thumbnails'), ...geometry } : null;
  }

  /** The cached file of `kind` for the asset, made now if needed. Throws NotFound, DerivedMediaUnavailable. */
  async file(assetId: string, kind: DerivedKind): Promise<{ path: string; contentType: string }> {
    const asset = await this.assets.get(assetId);
    try {
      const { path, outcome } = await this.obtain(asset, kind);
      this.requests.inc({ kind, outcome });
      return { path, contentType: DERIVED_FILES[kind].contentType };
    } catch (err) {
      this.requests.inc({ kind, outcome: 'failed' });
      throw err;
    }
  }

  private async obtain(asset: AssetRow, kind: DerivedKind): Promise<{ path: string; outcome: CacheOutcome }> {
    const label = kind === 'preview' ? 'preview' : 'thumbnails';
    if (asset.status !== 'ready') {
      const why = asset.status === 'error' && asset.errorMessage ? ` (ffprobe: ${asset.errorMessage})` : '';
      throw new DerivedMediaUnavailable('not-ready', `${asset.root}/${asset.filePath} is ${asset.status}${why}, so it has no ${label}`);
    }
    const geometry = this.geometryOf(asset);
    if (kind === 'thumbnails' && !geometry)
      throw new DerivedMediaUnavailable('no-video', `${asset.root}/${asset.filePath} has no video, so it has no thumbnails`);
    const store = rootOf(asset) === 'out' ? this.outStore : this.inStore;
    const object = await store.stat(asset.filePath);
    if (!object) throw new StoredObjectMissing(store.name, asset.filePath);
    const fingerprint = this.cache.fingerprintOf(object, RECIPE_VERSION);
    const make = async (output: string) => {
      // Only a make reads the source: a bucket's object is copied to scratch space for it, and the copy dropped after.
      const source = await store.localFile(asset.filePath);
      try {
        const command =
          kind === 'thumbnails' && geometry
            ? buildThumbnailStripCommand({ input: source.path, output, geometry })
            : buildPreviewCommand({ input: source.path, output, hasVideo: Boolean(asset.videoCodec), hasAudio: Boolean(asset.audioCodec) });
        await this.run(kind, command, `the ${label} of ${asset.root}/${asset.filePath}`, [source.path, `${asset.root}/${asset.filePath}`]);
      } finally {
        await source.release();
      }
    };
    // The slot is taken before the source is copied out of a bucket: the scratch copies are bounded too.
    return this.cache.obtain({ kind, assetId: asset.id, fingerprint }, (output) =>
      this.slots.run(
        () => make(output),
        () => this.queued.inc({ kind }),
      ),
    );
  }

  private async run(kind: DerivedKind, command: FfmpegCommand, what: string, source: ShownPath): Promise<void> {
    this.runs.inc({ kind });
    this.peak = Math.max(this.peak, this.slots.running);
    const outcome = await runFfmpeg(this.ffmpeg, command, { signal: this.stopping.signal, stallMs: STALL_MS });
    if (outcome.kind === 'completed') return;
    if (outcome.kind === 'aborted') throw new Error(`${what} was not finished: the API is stopping`);
    throw new DerivedMediaUnavailable(
      'failed',
      `ffmpeg could not make ${what}: ${ffmpegFailure(outcome, [source, ...mediaRootPaths(this.inStore.workRoot, this.outStore.workRoot)])}`,
    );
  }

  private geometryOf(asset: AssetRow): ThumbnailStripGeometry | null {
    if (asset.status !== 'ready' || !asset.videoCodec || !asset.width || !asset.height || !asset.duration) return null;
    return thumbnailStripGeometry({ width: asset.width, height: asset.height, duration: asset.duration });
  }

  private derivedUrl(assetId: string, kind: DerivedKind): MediaUrl {
    return this.urls.urlFor('derived', `${assetId}/${DERIVED_FILES[kind].file}`);
  }
}

const rootOf = (asset: AssetRow): 'in' | 'out' => (asset.root === 'out' ? 'out' : 'in');
