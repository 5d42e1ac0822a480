import { mkdir, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { MediaRoot } from '../media/media-root';
import { ValidationError } from '../errors/domain.errors';
import { MEDIA_OUT_ROOT } from './media.tokens';
import { isTempFileOf } from './output-paths';

/** Files under MEDIA_OUT; every path it takes is relative to that root. */
@Injectable()
export class OutputFilesRepository {
  constructor(@Inject(MEDIA_OUT_ROOT) private readonly root: MediaRoot) {}

  absolute(relativePath: string): string {
    return this.root.target(relativePath);
  }

  /** Creates the folder of `relativePath`, refusing one that a symlink leads out of the root. */
  async prepareFolder(relativePath: string): Promise<void> {
    const folder = dirname(this.root.target(relativePath));
    await mkdir(folder, { recursive: true });
    const [realFolder, realRoot] = await Promise.all([realpath(folder), realpath(this.root.path)]);
    if (!MediaRoot.contains(realRoot, realFolder)) {
      throw new ValidationError(`output folder of "${relativePath}" leads outside the out root`, 'outputFilename');
    }
  }

  /** Deletes the temporary files of every attempt of this job's output. */
  async removeTempFiles(outputPath: string, jobId: string): Promise<void> {
    const folder = dirname(this.root.target(outputPath));
    const names = await readdir(folder).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    await Promise.all(names.filter((name) => isTempFileOf(name, outputPath, jobId)).map((name) => removeFile(join(folder, name))));
  }

  remove(relativePath: string): Promise<void> {
    return removeFile(this.root.target(relativePath));
  }

  async exists(relativePath: string): Promise<boolean> {
    return stat(this.root.target(relativePath)).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
  }

  async size(relativePath: string): Promise<bigint> {
    return (await stat(this.root.target(relativePath), { bigint: true })).size;
  }

  /** Atomic within the root's filesystem: readers see the old file or the new one, never a part. */
  move(fromRelative: string, toRelative: string): Promise<void> {
    return rename(this.root.target(fromRelative), this.root.target(toRelative));
  }
}

async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
