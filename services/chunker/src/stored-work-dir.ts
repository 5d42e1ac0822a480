import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LocalFile, MediaStore } from '@mpr/core';
import type { AttemptManifest } from './attempt-manifest';
import { MANIFEST } from './attempt-manifest';
import { writeConcatFile } from './folder-work-dir';
import { type WorkDir, WORK_ROOT, workDirName } from './work-dir';

const CONCAT_LIST = 'segments.ffconcat';

/**
 * A work directory on a bucket root (MEDIA_OUT = s3://… or gs://…): the record is the objects under
 * `.mpr-chunks/<job>-a<attempt>/` in MEDIA_OUT, the local side this replica's own scratch folder. A segment or
 * the audio is uploaded when its encode succeeded (multipart, whole or not at all, so a listed name is a finished
 * file) and its local file removed; a split's piece is uploaded before its item is queued; the coordinator
 * downloads the segments and the audio before the stitch. No two replicas share a folder.
 */
export class StoredWorkDir implements WorkDir {
  constructor(
    readonly jobId: string,
    readonly attempt: number,
    private readonly store: MediaStore,
    /** This replica's local folder for the attempt. */
    readonly absolute: string,
  ) {}

  /** The directory's key in MEDIA_OUT. */
  get folder(): string {
    return `${WORK_ROOT}/${workDirName(this.jobId, this.attempt)}`;
  }

  private key(name: string): string {
    return `${this.folder}/${name}`;
  }

  path(name: string): string {
    return `${this.absolute}/${name}`;
  }

  async partial(name: string): Promise<string> {
    await this.create();
    return this.path(name);
  }

  async create(): Promise<void> {
    await mkdir(this.absolute, { recursive: true });
  }

  async names(): Promise<Set<string>> {
    const names = new Set<string>();
    for await (const object of this.store.list(this.folder)) names.add(object.key.slice(this.folder.length + 1));
    return names;
  }

  async read(name: string): Promise<string> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await this.store.read(this.key(name))) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    } catch {
      return '';
    }
  }

  readLocal(name: string): Promise<string> {
    return readFile(this.path(name), 'utf8').catch(() => '');
  }

  async readManifest(): Promise<unknown> {
    const text = await this.read(MANIFEST);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return null;
    }
  }

  async writeManifest(manifest: AttemptManifest): Promise<void> {
    await this.store.write(this.key(MANIFEST), Readable.from([JSON.stringify(manifest)]));
  }

  async share(name: string): Promise<void> {
    await this.store.write(this.key(name), createReadStream(this.path(name)));
  }

  async input(name: string): Promise<LocalFile> {
    // The coordinator's replica made the piece: it is here already.
    if (await exists(this.path(name))) return { path: this.path(name), release: async () => undefined };
    await this.create();
    const copy = this.path(`.${randomUUID().slice(0, 8)}.${name}`);
    await this.download(name, copy);
    return { path: copy, release: () => unlink(copy).catch(() => undefined) };
  }

  async writeConcatList(segments: ReadonlyArray<{ readonly name: string; readonly duration: number }>): Promise<string> {
    await this.localize(segments.map((s) => s.name));
    return writeConcatFile(this, CONCAT_LIST, segments);
  }

  async localize(names: readonly string[]): Promise<void> {
    await this.create();
    for (const name of names) {
      if (!(await exists(this.path(name)))) await this.download(name, this.path(name));
    }
  }

  async takeFrom(earlier: WorkDir, name: string): Promise<void> {
    const from = `${WORK_ROOT}/${workDirName(earlier.jobId, earlier.attempt)}/${name}`;
    await this.store.write(this.key(name), await this.store.read(from));
    await this.store.delete(from);
  }

  async settle(partialPath: string, name: string): Promise<void> {
    await this.store.publishFile(partialPath, this.key(name));
  }

  async write(name: string, text: string): Promise<void> {
    await this.store.write(this.key(name), Readable.from([text]));
  }

  async discard(path: string): Promise<void> {
    await rm(path, { force: true }).catch(() => undefined);
  }

  async remove(): Promise<void> {
    await rm(this.absolute, { recursive: true, force: true }).catch(() => undefined);
    try {
      const keys: string[] = [];
      for await (const object of this.store.list(this.folder)) keys.push(object.key);
      for (const key of keys) await this.store.delete(key);
    } catch {
      // The bucket away: the next start-up's sweep removes what is left.
    }
  }

  /** The record's file to `target` here, under a hidden name until complete: a reader never opens half a copy. */
  private async download(name: string, target: string): Promise<void> {
    const part = `${target}.${randomUUID().slice(0, 8)}.dl`;
    try {
      await pipeline(await this.store.read(this.key(name)), createWriteStream(part));
      await rename(part, target);
    } catch (err) {
      await unlink(part).catch(() => undefined);
      throw err;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
