import type { LocalFile } from '@mpr/core';
import type { AttemptManifest } from './attempt-manifest';

/** Where all work directories live, relative to MEDIA_OUT: hidden, one per attempt. */
export const WORK_ROOT = '.mpr-chunks';

/** `<job>-a<attempt>`: an attempt's directory name, under WORK_ROOT. */
export function workDirName(jobId: string, attempt: number): string {
  return `${jobId}-a${attempt}`;
}

/**
 * One attempt's work directory (`.mpr-chunks/<job>-a<attempt>` in
 * MEDIA_OUT): its pieces, segments, audio, failure markers and manifest.
 * Files are named by the chunker (chunker.settings), never by users.
 *
 * Two sides: the *record* every replica sees (which files are finished, the
 * manifest, failure markers) and this replica's local files that ffmpeg
 * reads and writes (`path`). On a folder root both are the one shared
 * folder (FolderWorkDir); on a bucket root the record is objects under the
 * directory's key prefix and the local side is this replica's own scratch
 * space (StoredWorkDir), so replicas on different machines share no folder.
 */
export interface WorkDir {
  readonly jobId: string;
  readonly attempt: number;
  /** The absolute path of a file of it on this machine (ffmpeg's inputs and outputs). */
  path(name: string): string;
  /** The local path for an encode's temporary output `name` (see settle), its folder there (on a bucket root a worker's replica may not have it yet). */
  partial(name: string): Promise<string>;
  /** Creates this replica's local side. */
  create(): Promise<void>;
  /** The names of the finished files in the record now (a segment is there once settled). */
  names(): Promise<Set<string>>;
  /** A small text file of the record (a failure marker), '' when it is not (yet) there. */
  read(name: string): Promise<string>;
  /** A text file made on this replica (the split's list of its pieces), '' when it is not (yet) there. */
  readLocal(name: string): Promise<string>;
  /** The manifest as written, anything, or null when there is none (or it is not JSON). */
  readManifest(): Promise<unknown>;
  /** Written whole or not at all. */
  writeManifest(manifest: AttemptManifest): Promise<void>;
  /** Makes a finished file made here (a split's piece) readable by every replica, keeping it here. */
  share(name: string): Promise<void>;
  /** A shared file (a piece) as a local file for ffmpeg; `release()` removes a copy fetched for it. */
  input(name: string): Promise<LocalFile>;
  /** The concat demuxer's list of these segment files (each with its cut's length), in order, the files here; returns its path. */
  writeConcatList(segments: ReadonlyArray<{ readonly name: string; readonly duration: number }>): Promise<string>;
  /** Makes finished files of the record present at `path(name)` here (the stitch's inputs). */
  localize(names: readonly string[]): Promise<void>;
  /** Moves a finished file of another attempt's directory into this one, under the same name. */
  takeFrom(earlier: WorkDir, name: string): Promise<void>;
  /** Gives a finished encode's temporary file (at a `path`) its name in the record: from now on it counts as done. */
  settle(partialPath: string, name: string): Promise<void>;
  /** Writes a small text file to the record (a failure marker); a failure to write is the caller's to ignore or not. */
  write(name: string, text: string): Promise<void>;
  /** Removes one local file, if it is there; never fails. */
  discard(path: string): Promise<void>;
  /** Removes the directory, record and local side, and all in them; never fails. */
  remove(): Promise<void>;
}
