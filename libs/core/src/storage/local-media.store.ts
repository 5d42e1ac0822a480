import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Logger } from '@nestjs/common';
import { ValidationError } from '../errors/domain.errors';
import { MediaRoot } from '../media/media-root';
import { walkFiles } from './local-walk';
import { type ByteRange, type LocalFile, type MediaStore, type StoredObject, StoredObjectMissing } from './media-store';
import type { StorageLocation } from './storage-location';

/** A root that is a folder on this machine; MediaRoot confines every path (no "..", absolute paths, symlinks out). */
export class LocalMediaStore implements MediaStore {
  readonly location: StorageLocation;
  readonly root: MediaRoot;
  private readonly logger = new Logger(LocalMediaStore.name);

  constructor(
    readonly name: 'in' | 'out',
    path: string,
  ) {
    this.root = new MediaRoot(name, path);
    this.location = { kind: 'local', path: this.root.path };
  }

  get description(): string {
    return this.root.path;
  }

  get workRoot(): MediaRoot {
    return this.root;
  }

  /** Symlinked files are listed (their targets' sizes); `stat` and `read` then refuse those that lead out of the root. */
  async *list(folder?: string): AsyncIterable<StoredObject> {
    const top = folder === undefined ? this.root.path : this.root.target(folder);
    const files = await walkFiles(top, (path, err) => {
      // A folder that is not there holds nothing.
      if (path !== top || (err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn(`cannot read ${path}: ${err.message}`);
    });
    for (const path of files) {
      const info = await stat(path, { bigint: true }).catch(() => undefined);
      if (info?.isFile()) yield { key: this.root.relativeOf(path), size: info.size, modifiedAt: new Date(Number(info.mtimeMs)) };
    }
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    let path: string;
    try {
      path = await this.root.resolve(key);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const info = await stat(path, { bigint: true });
    return info.isFile() ? { key, size: info.size, modifiedAt: new Date(Number(info.mtimeMs)) } : undefined;
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const path = await this.resolveExisting(key);
    return createReadStream(path, range ? { start: range.start, end: range.end } : {});
  }

  async write(key: string, body: Readable, signal?: AbortSignal): Promise<StoredObject> {
    const target = await this.prepareTarget(key);
    const part = join(dirname(target), `.${basename(target)}.${randomUUID()}.part`);
    try {
      await pipeline(body, createWriteStream(part), { signal });
      await rename(part, target);
    } catch (err) {
      await unlink(part).catch(() => undefined);
      throw err;
    }
    return (await this.stat(key)) as StoredObject;
  }

  async delete(key: string): Promise<void> {
    await unlink(this.root.target(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async copy(fromKey: string, toKey: string): Promise<StoredObject> {
    return this.write(toKey, createReadStream(await this.resolveExisting(fromKey)));
  }

  async localFile(key: string): Promise<LocalFile> {
    return { path: await this.resolveExisting(key), release: async () => undefined };
  }

  async publishFile(localPath: string, key: string): Promise<StoredObject> {
    await rename(localPath, await this.prepareTarget(key));
    return (await this.stat(key)) as StoredObject;
  }

  async presignedUrl(): Promise<undefined> {
    return undefined;
  }

  private async resolveExisting(key: string): Promise<string> {
    try {
      return await this.root.resolve(key);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StoredObjectMissing(this.name, key);
      throw err;
    }
  }

  /** The final path of `key`, its folder created and checked to be inside the root (a symlinked folder may lead out). */
  private async prepareTarget(key: string): Promise<string> {
    const target = this.root.target(key);
    const folder = dirname(target);
    await mkdir(folder, { recursive: true });
    const [realFolder, realRoot] = await Promise.all([realpath(folder), realpath(this.root.path)]);
    if (!MediaRoot.contains(realRoot, realFolder)) throw new ValidationError(`the folder of "${key}" leads outside the ${this.name} root`, 'path');
    return target;
  }
}
