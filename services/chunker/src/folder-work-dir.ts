import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { buildConcatList, type LocalFile } from '@mpr/core';
import { type AttemptManifest, MANIFEST } from './attempt-manifest';
import type { WorkDir } from './work-dir';

const CONCAT_LIST = 'segments.ffconcat';

/** A work directory in a folder root: record and local side are one folder, which every replica of the root shares. */
export class FolderWorkDir implements WorkDir {
  constructor(
    readonly jobId: string,
    readonly attempt: number,
    /** The directory's absolute path. */
    readonly absolute: string,
  ) {}

  path(name: string): string {
    return `${this.absolute}/${name}`;
  }

  async partial(name: string): Promise<string> {
    // The coordinator made the folder; one removed since (the attempt ended) is not made again.
    return this.path(name);
  }

  async create(): Promise<void> {
    await mkdir(this.absolute, { recursive: true });
  }

  async names(): Promise<Set<string>> {
    return new Set(await readdir(this.absolute));
  }

  async read(name: string): Promise<string> {
    return readFile(this.path(name), 'utf8').catch(() => '');
  }

  readLocal(name: string): Promise<string> {
    return this.read(name);
  }

  async readManifest(): Promise<unknown> {
    return readFile(this.path(MANIFEST), 'utf8')
      .then((text) => JSON.parse(text) as unknown)
      .catch(() => null);
  }

  async writeManifest(manifest: AttemptManifest): Promise<void> {
    await writeFile(this.path(`${MANIFEST}.part`), JSON.stringify(manifest));
    await rename(this.path(`${MANIFEST}.part`), this.path(MANIFEST));
  }

  async share(): Promise<void> {
    // The folder is the record: a file here is every replica's.
  }

  async input(name: string): Promise<LocalFile> {
    return { path: this.path(name), release: async () => undefined };
  }

  async writeConcatList(segments: ReadonlyArray<{ readonly name: string; readonly duration: number }>): Promise<string> {
    return writeConcatFile(this, CONCAT_LIST, segments);
  }

  async localize(): Promise<void> {
    // Already here.
  }

  async takeFrom(earlier: WorkDir, name: string): Promise<void> {
    await rename(earlier.path(name), this.path(name));
  }

  async settle(partialPath: string, name: string): Promise<void> {
    await rename(partialPath, this.path(name));
  }

  async write(name: string, text: string): Promise<void> {
    await writeFile(this.path(name), text);
  }

  async discard(path: string): Promise<void> {
    await rm(path, { force: true }).catch(() => undefined);
  }

  async remove(): Promise<void> {
    await rm(this.absolute, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Writes the concat demuxer's list of `segments` (files at `dir.path`) as `listName` in the directory; returns its path. */
export async function writeConcatFile(
  dir: WorkDir,
  listName: string,
  segments: ReadonlyArray<{ readonly name: string; readonly duration: number }>,
): Promise<string> {
  const listPath = dir.path(listName);
  await writeFile(
    listPath,
    buildConcatList(
      listPath,
      segments.map(({ name, duration }) => ({ path: dir.path(name), duration })),
    ),
  );
  return listPath;
}
