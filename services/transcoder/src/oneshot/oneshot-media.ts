import { type CloudJobPayload, type LocalFile, type MediaStore, OutputFilesRepository, ValidationError } from '@mpr/core';

/**
 * The one-shot entry's only way to its media: a local file ffmpeg reads the
 * source from, a local path it writes the attempt's part file to, and that
 * file handed over as the attempt's staged output (`.<name>.<job>-a<n>.part`
 * in MEDIA_OUT, which the API publishes). Folder roots (an EFS mount, a
 * volume) are used in place; bucket roots through their MediaStore: the
 * source spooled to scratch space, the part file uploaded to its key
 * (multipart, so the key holds the whole file or nothing).
 */
export interface OneShotMedia {
  /** The source as a local file; throws SourceMissing when it is not there. `release()` it when done. */
  source(source: CloudJobPayload['source']): Promise<LocalFile>;
  /** Where ffmpeg writes `relativePath` of MEDIA_OUT: a local path. */
  outputTarget(relativePath: string): string;
  /** Makes sure outputTarget(relativePath) can be written. */
  prepareOutput(relativePath: string): Promise<void>;
  /** Leaves the finished part file where the platform publishes it from: it already is on a folder root, uploaded to its key on a bucket. */
  stage(relativePath: string): Promise<void>;
  remove(relativePath: string): Promise<void>;
  /** Host paths as users know them (`in/…`, `out/…`), for ffmpeg's messages. */
  shownPaths(): ReadonlyArray<readonly [string, string]>;
}

export class SourceMissing extends Error {
  override readonly name = 'SourceMissing';
}

export class StoreOneShotMedia implements OneShotMedia {
  private readonly files: OutputFilesRepository;

  /** The roots' stores, as every service opens them (openMediaStore): the same confinement, the same multipart uploads. */
  constructor(
    private readonly inStore: MediaStore,
    private readonly outStore: MediaStore,
  ) {
    this.files = new OutputFilesRepository(outStore);
  }

  async source({ root, path }: CloudJobPayload['source']): Promise<LocalFile> {
    const store = root === 'out' ? this.outStore : this.inStore;
    try {
      return await store.localFile(path);
    } catch (err) {
      // A folder's ENOENT and a bucket's StoredObjectMissing alike.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SourceMissing(`source file ${path} is missing from MEDIA_${root.toUpperCase()}`);
      if (err instanceof ValidationError) throw new SourceMissing(err.message);
      throw err;
    }
  }

  outputTarget(relativePath: string): string {
    return this.files.absolute(relativePath);
  }

  prepareOutput(relativePath: string): Promise<void> {
    return this.files.prepareFolder(relativePath);
  }

  async stage(relativePath: string): Promise<void> {
    // A folder root's work root is the root: the part file is in MEDIA_OUT already.
    if (this.outStore.location.kind === 'local') return;
    await this.outStore.publishFile(this.files.absolute(relativePath), relativePath);
  }

  remove(relativePath: string): Promise<void> {
    return this.files.remove(relativePath);
  }

  shownPaths(): ReadonlyArray<readonly [string, string]> {
    return [
      [this.inStore.workRoot.path, 'in'],
      [this.outStore.workRoot.path, 'out'],
    ];
  }
}
