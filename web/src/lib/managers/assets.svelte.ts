import type { GraphqlClient } from '../graphql/client';
import {
  type AssetFactsFragment,
  AssetJobsDocument,
  AssetsDocument,
  DeleteAssetDocument,
  type JobRowFragment,
  ScanMediaFolderDocument,
  type ScanMediaFolderMutation,
  UpdateAssetCommentsDocument,
} from '../graphql/generated';

export const ASSET_STATUSES = ['pending', 'ready', 'error', 'missing'] as const;
export type AssetFilter = (typeof ASSET_STATUSES)[number] | 'all';
export type ScanResult = ScanMediaFolderMutation['scanMediaFolder'];

/** The media assets, filtered by status and a search over name, path, codecs and comments. Reloaded on demand and after a scan. */
export class AssetsManager {
  #assets = $state<AssetFactsFragment[]>([]);
  #filter = $state<AssetFilter>('all');
  #search = $state('');
  #loaded = $state(false);
  #error = $state<string | null>(null);
  #scanning = $state(false);
  #lastScan = $state<ScanResult | null>(null);

  constructor(private readonly client: GraphqlClient) {}

  get assets(): AssetFactsFragment[] {
    const words = this.#search.toLowerCase().split(/\s+/).filter(Boolean);
    return this.#assets.filter((asset) => {
      if (this.#filter !== 'all' && asset.status !== this.#filter) return false;
      const text = [asset.filePath, asset.container, asset.videoCodec, asset.audioCodec, asset.comments, asset.root].join(' ').toLowerCase();
      return words.every((word) => text.includes(word));
    });
  }

  get total(): number {
    return this.#assets.length;
  }

  get counts(): Record<AssetFilter, number> {
    const counts = { all: this.#assets.length, pending: 0, ready: 0, error: 0, missing: 0 };
    for (const asset of this.#assets) if (asset.status in counts) counts[asset.status as AssetFilter]++;
    return counts;
  }

  get filter(): AssetFilter {
    return this.#filter;
  }

  get search(): string {
    return this.#search;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  get error(): string | null {
    return this.#error;
  }

  get scanning(): boolean {
    return this.#scanning;
  }

  get lastScan(): ScanResult | null {
    return this.#lastScan;
  }

  /** Ready sources a job can be made from. */
  get ready(): AssetFactsFragment[] {
    return this.#assets.filter((asset) => asset.status === 'ready' && asset.root === 'in');
  }

  setFilter(filter: AssetFilter): void {
    this.#filter = filter;
  }

  setSearch(search: string): void {
    this.#search = search;
  }

  async load(): Promise<void> {
    try {
      this.#assets = (await this.client.request(AssetsDocument, {})).assets;
      this.#error = null;
    } catch (err) {
      this.#error = (err as Error).message;
    } finally {
      this.#loaded = true;
    }
  }

  /** Scans MEDIA_IN (the API probes what it registers before answering), then reloads. */
  async scan(): Promise<ScanResult> {
    this.#scanning = true;
    try {
      this.#lastScan = (await this.client.request(ScanMediaFolderDocument)).scanMediaFolder;
      await this.load();
      return this.#lastScan;
    } finally {
      this.#scanning = false;
    }
  }

  async saveComments(id: string, comments: string): Promise<void> {
    const { updateAsset } = await this.client.request(UpdateAssetCommentsDocument, { id, comments });
    this.#assets = this.#assets.map((asset) => (asset.id === id ? updateAsset : asset));
  }

  /** The jobs made from an asset, newest first: read when its row is opened, not kept. */
  async jobsOf(id: string): Promise<JobRowFragment[]> {
    return (await this.client.request(AssetJobsDocument, { id })).asset.jobs;
  }

  async remove(id: string): Promise<void> {
    await this.client.request(DeleteAssetDocument, { id });
    this.#assets = this.#assets.filter((asset) => asset.id !== id);
  }
}
