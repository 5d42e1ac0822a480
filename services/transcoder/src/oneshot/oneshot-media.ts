import { type CloudJobPayload, type MediaStore, OutputFilesRepository, ValidationError } from '@mpr/core';

/**
 * The one-shot entry's only way to its media: a local path ffmpeg reads the
 * source at, a local path it writes the attempt's part file to, and that
 * file handed over as the attempt's staged output. Today both roots are local
 * folders (in a Lambda, an EFS mount; in Cloud Run, a volume); an object-store
 * root replaces this class (download or presign the source, upload the part
 * to its key) and nothing else in the entry changes.
 */
export interface OneShotMedia {
  /** Where ffmpeg reads the source; throws SourceMissing when it is not there. */
  source(source: CloudJobPayload['source']): Promise<string>;
  /** Where ffmpeg writes `relativePath` of MEDIA_OUT: a local path. */
  outputTarget(relativePath: string): string;
  /** Makes sure outputTarget(relativePath) can be written. */
  prepareOutput(relativePath: string): Promise<void>;
  /** Leaves the finished part file where the platform publishes it from (here: it already is). */
  stage(relativePath: string): Promise<void>;
  remove(relativePath: string): Promise<void>;
  /** Host paths as users know them (`in/…`, `out/…`), for ffmpeg's messages. */
  shownPaths(): ReadonlyArray<readonly [string, string]>;
}

export class SourceMissing extends Error {
  override readonly name = 'SourceMissing';
}

export class LocalOneShotMedia implements OneShotMedia {
  private readonly files: OutputFilesRepository;

  /** Folder-backed stores (the entry refuses bucket roots before it gets here): the same confinement as every service's. */
  constructor(
    private readonly inStore: MediaStore,
    private readonly outStore: MediaStore,
  ) {
    this.files = new OutputFilesRepository(outStore);
  }

  async source({ root, path }: CloudJobPayload['source']): Promise<string> {
    const store = root === 'out' ? this.outStore : this.inStore;
    try {
      return (await store.localFile(path)).path;
    } catch (err) {
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

  async stage(): Promise<void> {
    // The part file is in MEDIA_OUT already, where the API publishes it from.
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
