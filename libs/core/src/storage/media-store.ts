import type { Readable } from 'node:stream';
import type { MediaRoot } from '../media/media-root';
import type { StorageLocation } from './storage-location';

/** One file or object of a root, its key relative to the root. */
export interface StoredObject {
  readonly key: string;
  readonly size: bigint;
  readonly modifiedAt: Date;
}

/** Bytes `start` to `end`, both included (HTTP's Range). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A file on this machine that ffmpeg can open; `release()` when done (a spooled copy is then removed). */
export interface LocalFile {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * A media root (MEDIA_IN or MEDIA_OUT) on one backend: a local folder, S3, or GCS. Every key is relative to the
 * root and checked by `assertMediaKey`, so nothing outside it is reachable; errors name the root and key, never a
 * credential. Reads and writes stream.
 */
export interface MediaStore {
  readonly name: 'in' | 'out';
  readonly location: StorageLocation;
  /** The root as messages name it: its path or URL. */
  readonly description: string;
  /**
   * The local folder where files bound for this root are made (ffmpeg's outputs, the chunker's work): the root
   * itself when it is local, this process's scratch space for a bucket. Its paths are what ffmpeg's messages show.
   */
  readonly workRoot: MediaRoot;

  /** Every object under the root (or only under its `folder`, a key prefix ending at a `/`), sorted by key, read page by page. */
  list(folder?: string): AsyncIterable<StoredObject>;
  /** undefined when there is no such object. */
  stat(key: string): Promise<StoredObject | undefined>;
  /** The object's bytes (a range of them); throws `StoredObjectMissing` when there is none. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /**
   * Writes `body` to `key`: readers see the old object or the complete new one, never a part (local: a hidden file
   * renamed into place; object stores: a multipart upload, completed only after the last byte). If `body` fails or
   * `signal` aborts, nothing is left at the key.
   */
  write(key: string, body: Readable, signal?: AbortSignal): Promise<StoredObject>;
  /** Removes the object; no error if there is none. */
  delete(key: string): Promise<void>;
  /**
   * Copies the object at `fromKey` to `toKey` within the root, atomically as `write` does: on an object store by the
   * server (CopyObject: no byte passes through this process, up to 5 GiB; a larger object is streamed through as a
   * multipart upload), on a local root a hidden copy renamed into place. Throws `StoredObjectMissing` for no source.
   */
  copy(fromKey: string, toKey: string): Promise<StoredObject>;

  /** The object as a file ffmpeg can read: the file itself on a local root, a spooled copy in scratch space otherwise. */
  localFile(key: string): Promise<LocalFile>;
  /**
   * Moves a finished file from `workRoot` to `key`, atomically as `write` does (a rename on a local root, a multipart
   * upload to a bucket); the local file is gone after.
   */
  publishFile(localPath: string, key: string): Promise<StoredObject>;
  /** A URL that GETs the object without other credentials until it expires; undefined for a local root (the API serves those). */
  presignedUrl(key: string, ttlSeconds: number): Promise<string | undefined>;
}

/** A key with no object at it. */
export class StoredObjectMissing extends Error {
  override readonly name = 'StoredObjectMissing';
  readonly code = 'ENOENT';
  constructor(
    readonly root: 'in' | 'out',
    readonly key: string,
  ) {
    super(`${root}/${key} does not exist`);
  }
}

/** The backend refused or failed an operation; the message names the root, key and the backend's error code, never credentials. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
