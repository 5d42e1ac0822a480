import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type StoredObject } from '@mpr/core';

/** What the API derives from a video asset for the dashboard. */
export type DerivedKind = 'preview' | 'thumbnails';

/** The file each kind is served as (`/media/derived/<assetId>/<file>`) and its type. */
export const DERIVED_FILES: Readonly<Record<DerivedKind, { readonly file: string; readonly contentType: string }>> = {
  preview: { file: 'preview.mp4', contentType: 'video/mp4' },
  thumbnails: { file: 'thumbnails.jpg', contentType: 'image/jpeg' },
};

/** One cached file: an asset's derived media of one kind, made from the source as it is now (`fingerprint`). */
export interface DerivedEntry {
  readonly kind: DerivedKind;
  readonly assetId: string;
  readonly fingerprint: string;
}

/** How a request got its file: found in the cache, made by it, or made by another request it waited for. */
export type CacheOutcome = 'cached' | 'made' | 'joined';

/**
 * The derived media cache under `<MPR_DATA_DIR>/cache/<kind>/<assetId>/<fingerprint>.<ext>`.
 * The fingerprint changes with the source file (size, modification time) and the recipe, so a replaced
 * file is derived again, and the entry of an older fingerprint is removed once the new one is there.
 *
 * One make per entry at a time in this process (single flight): a second request for an entry being made
 * waits for that make instead of starting ffmpeg again. A make writes a temporary name in the same folder and
 * renames it into place, so a reader never sees a partial file, and replicas sharing the folder at worst make
 * an entry twice, never a broken one.
 */
@Injectable()
export class DerivedMediaCache {
  readonly dir: string;
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'MPR_DATA_DIR'>) {
    this.dir = resolve(config.MPR_DATA_DIR, 'cache');
  }

  /** The fingerprint of a source (its size and modification time) for `recipe`: it changes when the file or the way it is derived does. */
  fingerprintOf(source: StoredObject, recipe: string): string {
    return createHash('sha256')
      .update(JSON.stringify([String(source.size), source.modifiedAt.getTime(), recipe]))
      .digest('hex')
      .slice(0, 24);
  }

  pathOf(entry: DerivedEntry): string {
    return join(this.folderOf(entry), `${entry.fingerprint}.${extension(entry.kind)}`);
  }

  /**
   * The entry's file, made by `make(temporaryPath)` when the cache lacks it. A failed make leaves nothing
   * behind and is not remembered: the next request tries again.
   */
  async obtain(entry: DerivedEntry, make: (temporaryPath: string) => Promise<void>): Promise<{ path: string; outcome: CacheOutcome }> {
    const path = this.pathOf(entry);
    const running = this.inFlight.get(path);
    if (running) return { path: await running, outcome: 'joined' };
    if (await isFile(path)) return { path, outcome: 'cached' };
    // Checked again: another request may have started the make while this one looked at the disk.
    const raced = this.inFlight.get(path);
    if (raced) return { path: await raced, outcome: 'joined' };
    const making = this.make(entry, path, make).finally(() => this.inFlight.delete(path));
    this.inFlight.set(path, making);
    return { path: await making, outcome: 'made' };
  }

  private async make(entry: DerivedEntry, path: string, make: (temporaryPath: string) => Promise<void>): Promise<string> {
    const folder = this.folderOf(entry);
    await mkdir(folder, { recursive: true });
    const temporary = join(folder, `.${entry.fingerprint}.${randomUUID()}.part`);
    try {
      await make(temporary);
      await rename(temporary, path);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
    await this.removeOlder(folder, path);
    return path;
  }

  /** Entries of earlier fingerprints of the same asset and kind: their source has changed since. */
  private async removeOlder(folder: string, keep: string): Promise<void> {
    const names = await readdir(folder);
    const ext = keep.slice(keep.lastIndexOf('.'));
    await Promise.all(
      names.filter((name) => !name.startsWith('.') && name.endsWith(ext) && join(folder, name) !== keep).map((name) => rm(join(folder, name), { force: true })),
    );
  }

  private folderOf(entry: DerivedEntry): string {
    return join(this.dir, entry.kind, entry.assetId);
  }
}

const extension = (kind: DerivedKind): string => DERIVED_FILES[kind].file.split('.').pop() as string;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
