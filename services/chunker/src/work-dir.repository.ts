import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import { buildConcatList, MEDIA_IN_ROOT, MEDIA_OUT_ROOT, MediaRoot, mediaRootPaths, type PlanSource, type ShownPath, sourceShownPath } from '@mpr/core';
import { type AttemptManifest, MANIFEST } from './attempt-manifest';

/** Where all work directories live, relative to MEDIA_OUT: hidden, one per attempt. */
const ROOT = '.mpr-chunks';
const CONCAT_LIST = 'segments.ffconcat';

/**
 * One attempt's work directory (`.mpr-chunks/<job>-a<attempt>` in
 * MEDIA_OUT): its pieces, segments, audio, failure markers and manifest.
 * Files are named by the chunker (chunker.settings), never by users.
 */
export class WorkDir {
  constructor(
    readonly jobId: string,
    readonly attempt: number,
    /** The directory's absolute path. */
    readonly absolute: string,
  ) {}

  /** The absolute path of a file in it. */
  path(name: string): string {
    return `${this.absolute}/${name}`;
  }

  async create(): Promise<void> {
    await mkdir(this.absolute, { recursive: true });
  }

  /** The names of the files in it now (finished segments are there once renamed). */
  async names(): Promise<Set<string>> {
    return new Set(await readdir(this.absolute));
  }

  /** A text file's content, '' when it is not (yet) there. */
  async read(name: string): Promise<string> {
    return readFile(this.path(name), 'utf8').catch(() => '');
  }

  /** The manifest as written, anything, or null when there is none (or it is not JSON). */
  async readManifest(): Promise<unknown> {
    return readFile(this.path(MANIFEST), 'utf8')
      .then((text) => JSON.parse(text) as unknown)
      .catch(() => null);
  }

  /** Written whole or not at all. */
  async writeManifest(manifest: AttemptManifest): Promise<void> {
    await writeFile(this.path(`${MANIFEST}.part`), JSON.stringify(manifest));
    await rename(this.path(`${MANIFEST}.part`), this.path(MANIFEST));
  }

  /** The concat demuxer's list of these segment files (each with its cut's length), in order; returns its path. */
  async writeConcatList(segments: ReadonlyArray<{ readonly name: string; readonly duration: number }>): Promise<string> {
    const listPath = this.path(CONCAT_LIST);
    await writeFile(
      listPath,
      buildConcatList(
        listPath,
        segments.map(({ name, duration }) => ({ path: this.path(name), duration })),
      ),
    );
    return listPath;
  }

  /** Moves a finished file of another attempt's directory into this one, under the same name. */
  async takeFrom(earlier: WorkDir, name: string): Promise<void> {
    await rename(earlier.path(name), this.path(name));
  }

  /** Gives a finished encode's temporary file its name: from now on it counts as done. */
  async settle(partialPath: string, name: string): Promise<void> {
    await rename(partialPath, this.path(name));
  }

  /** Writes a small text file (a failure marker); a failure to write is the caller's to ignore or not. */
  async write(name: string, text: string): Promise<void> {
    await writeFile(this.path(name), text);
  }

  /** Removes one file, if it is there; never fails. */
  async discard(path: string): Promise<void> {
    await rm(path, { force: true }).catch(() => undefined);
  }

  /** Removes the directory and all in it; never fails. */
  async remove(): Promise<void> {
    await rm(this.absolute, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Every file operation on the chunker's work directories. */
@Injectable()
export class WorkDirRepository {
  constructor(
    @Inject(MEDIA_IN_ROOT) private readonly inRoot: MediaRoot,
    @Inject(MEDIA_OUT_ROOT) private readonly outRoot: MediaRoot,
  ) {}

  /**
   * How the chunker's ffmpeg errors name the job's source and the work files: `in/…`, `out/…`, never a host path
   * (ffmpegErrorSummary). The source first: a bucket's object is read from a spooled copy under a hashed name in
   * scratch space, which is under neither root.
   */
  shownPaths(source: PlanSource): readonly ShownPath[] {
    return [sourceShownPath(source), ...mediaRootPaths(this.inRoot, this.outRoot)];
  }

  of(jobId: string, attempt: number): WorkDir {
    return new WorkDir(jobId, attempt, this.outRoot.target(`${ROOT}/${jobId}-a${attempt}`));
  }

  /** The work directories there are, of any job and attempt. */
  async all(): Promise<WorkDir[]> {
    const names = await readdir(this.outRoot.target(ROOT)).catch(() => [] as string[]);
    return names.flatMap((name) => {
      const match = /^(.+)-a(\d+)$/.exec(name);
      return match ? [this.of(match[1], Number(match[2]))] : [];
    });
  }
}
