import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { dirname, join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { MediaRoot } from '../media/media-root';
import { ValidationError } from '../errors/domain.errors';
import type { MediaStore } from '../storage/media-store';
import { MEDIA_OUT_STORE } from '../storage/media-store.providers';
import { isTempFileOf } from './output-paths';

/**
 * Outputs under MEDIA_OUT; every path it takes is relative to that root. An attempt's files are made in the
 * store's work root (the root itself when local, so publishing is a rename; this process's scratch space for a
 * bucket, so nothing partial is ever an object) and published to the store.
 */
@Injectable()
export class OutputFilesRepository {
  private readonly root: MediaRoot;

  constructor(@Inject(MEDIA_OUT_STORE) private readonly store: MediaStore) {
    this.root = store.workRoot;
  }

  /** Where a work file (an attempt's temporary output) is on this machine. */
  absolute(relativePath: string): string {
    return this.root.target(relativePath);
  }

  /** Creates the work folder of `relativePath`, refusing one that a symlink leads out of the root. */
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

  /** Deletes a work file. */
  remove(relativePath: string): Promise<void> {
    return removeFile(this.root.target(relativePath));
  }

  /** Deletes a published output. */
  unpublish(relativePath: string): Promise<void> {
    return this.store.delete(relativePath);
  }

  /** Whether an output is published at `relativePath`. */
  async exists(relativePath: string): Promise<boolean> {
    return (await this.store.stat(relativePath)) !== undefined;
  }

  /** The size of a work file. */
  async size(relativePath: string): Promise<bigint> {
    return (await stat(this.root.target(relativePath), { bigint: true })).size;
  }

  /**
   * Brings an output that an executor staged at `relativePath` of MEDIA_OUT (its part file) to the work root, where
   * it is probed and published from: nothing to move on a folder root (the work root is the root), the object
   * downloaded on a bucket (under a hidden name until complete). False when nothing is staged there.
   */
  async fetchStaged(relativePath: string): Promise<boolean> {
    if (!(await this.exists(relativePath))) return false;
    if (this.store.location.kind === 'local') return true;
    await this.prepareFolder(relativePath);
    const target = this.root.target(relativePath);
    const part = `${target}.${randomUUID().slice(0, 8)}.dl`;
    try {
      await pipeline(await this.store.read(relativePath), createWriteStream(part));
      await rename(part, target);
    } catch (err) {
      await removeFile(part).catch(() => undefined);
      throw err;
    }
    return true;
  }

  /** Removes a staged output: its work file, and on a bucket its object. */
  async removeStaged(relativePath: string): Promise<void> {
    await this.remove(relativePath);
    if (this.store.location.kind !== 'local') await this.store.delete(relativePath);
  }

  /**
   * Publishes an output an executor staged at `stagedRelative` (fetched with fetchStaged) at `toRelative`, atomically
   * as move() does: a rename on a folder root; on a bucket a server-side copy of the staged object, so its bytes go
   * up once (the executor's upload), not again from this process; its downloaded copy is removed. The staged object
   * stays for removeStaged.
   */
  async publishStaged(stagedRelative: string, toRelative: string): Promise<void> {
    if (this.store.location.kind === 'local') return this.move(stagedRelative, toRelative);
    await this.store.copy(stagedRelative, toRelative);
    await this.remove(stagedRelative);
  }

  /** Publishes a work file at `toRelative`: readers see the old output or the new one, never a part. */
  async move(fromRelative: string, toRelative: string): Promise<void> {
    await this.store.publishFile(this.root.target(fromRelative), toRelative);
  }
}

async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
