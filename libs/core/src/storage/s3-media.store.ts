import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { MediaRoot } from '../media/media-root';
import { assertMediaKey } from './media-key';
import { type ByteRange, type LocalFile, type MediaStore, type StoredObject, StorageError, StoredObjectMissing } from './media-store';
import type { ObjectSpool } from './object-spool';
import { describeLocation, type ObjectLocation } from './storage-location';

/** The largest object CopyObject takes (S3's and GCS's XML API's limit); a larger one would need UploadPartCopy. */
const COPY_OBJECT_LIMIT = 5n * 1024n * 1024n * 1024n;
/** Multipart parts of 8 MiB, two in flight: an upload holds at most 16 MiB of a file in memory, whatever its size. */
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;
const LIST_PAGE = 1000;

/**
 * A root in a bucket, under a key prefix: S3, MinIO or any S3-protocol server, and GCS through its XML API (the
 * client decides which, see s3-client.factory). Keys are the object keys without the prefix.
 */
export class S3MediaStore implements MediaStore {
  readonly description: string;

  constructor(
    readonly name: 'in' | 'out',
    readonly location: ObjectLocation,
    private readonly client: S3Client,
    private readonly spool: ObjectSpool,
    /** This process's own folder for files on their way to the bucket. */
    readonly workRoot: MediaRoot,
    private readonly listPageSize = LIST_PAGE,
  ) {
    this.description = describeLocation(location);
  }

  async *list(folder?: string): AsyncIterable<StoredObject> {
    const { bucket, prefix } = this.location;
    const under = folder === undefined ? prefix : `${this.objectKey(folder)}/`;
    const pages = paginateListObjectsV2({ client: this.client, pageSize: this.listPageSize }, { Bucket: bucket, Prefix: under || undefined });
    try {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          const key = object.Key?.slice(prefix.length);
          // "Folder" markers that consoles create are not media.
          if (!key || key.endsWith('/')) continue;
          yield { key, size: BigInt(object.Size ?? 0), modifiedAt: object.LastModified ?? new Date(0) };
        }
      }
    } catch (err) {
      throw this.failure('list', folder === undefined ? '' : `${folder}/`, err);
    }
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    const Key = this.objectKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key }));
      return { key, size: BigInt(head.ContentLength ?? 0), modifiedAt: head.LastModified ?? new Date(0) };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.failure('stat', key, err);
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    return (await this.get(key, range)).body;
  }

  async write(key: string, body: Readable, signal?: AbortSignal): Promise<StoredObject> {
    const Key = this.objectKey(key);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.location.bucket, Key, Body: body },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    signal?.addEventListener('abort', abort, { once: true });
    // A body that fails must fail the upload: lib-storage would otherwise wait for more bytes that never come.
    const bodyFailed = new Promise<never>((_, reject) => body.once('error', reject));
    try {
      if (signal?.aborted) throw signal.reason;
      await Promise.race([upload.done(), bodyFailed]);
    } catch (err) {
      // Nothing was completed, so nothing is at the key: a multipart upload becomes an object only at its completion.
      await upload.abort().catch(() => undefined);
      throw this.failure('write', key, err);
    } finally {
      signal?.removeEventListener('abort', abort);
      bodyFailed.catch(() => undefined);
    }
    return (await this.stat(key)) ?? { key, size: 0n, modifiedAt: new Date() };
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key }));
    } catch (err) {
      if (!isMissing(err)) throw this.failure('delete', key, err);
    }
  }

  async copy(fromKey: string, toKey: string): Promise<StoredObject> {
    const source = await this.stat(fromKey);
    if (!source) throw new StoredObjectMissing(this.name, fromKey);
    // UploadPartCopy, which a larger object needs, is not in s3rver (nothing here could test it): streamed instead.
    if (source.size > COPY_OBJECT_LIMIT) return this.write(toKey, await this.read(fromKey));
    const Key = this.objectKey(toKey);
    const { bucket } = this.location;
    const from = this.objectKey(fromKey).split('/').map(encodeURIComponent).join('/');
    try {
      // The server writes the new object whole, then makes it visible: no reader sees a part at the key.
      await this.client.send(new CopyObjectCommand({ Bucket: bucket, Key, CopySource: `${bucket}/${from}` }));
    } catch (err) {
      if (isMissing(err)) throw new StoredObjectMissing(this.name, fromKey);
      throw this.failure('copy', toKey, err);
    }
    return (await this.stat(toKey)) ?? { key: toKey, size: source.size, modifiedAt: new Date() };
  }

  async localFile(key: string): Promise<LocalFile> {
    const object = await this.stat(key);
    if (!object) throw new StoredObjectMissing(this.name, key);
    // The version in the id: an object replaced since is fetched again, not served from an older copy.
    const id = `${this.description}${key}\0${object.size}\0${object.modifiedAt.getTime()}`;
    return this.spool.fetch(id, key, () => this.read(key));
  }

  async publishFile(localPath: string, key: string): Promise<StoredObject> {
    const object = await this.write(key, createReadStream(localPath));
    await unlink(localPath).catch(() => undefined);
    return object;
  }

  async presignedUrl(key: string, ttlSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }), { expiresIn: ttlSeconds });
  }

  private objectKey(key: string): string {
    assertMediaKey(key);
    return `${this.location.prefix}${key}`;
  }

  private async get(key: string, range?: ByteRange): Promise<{ body: Readable }> {
    const Key = this.objectKey(key);
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      return { body: answer.Body as Readable };
    } catch (err) {
      if (isMissing(err)) throw new StoredObjectMissing(this.name, key);
      throw this.failure('read', key, err);
    }
  }

  /**
   * The SDK's errors carry the request (signature, access key id, the string that was signed) in their fields: only
   * the operation, the object, the service's error code and status travel on.
   */
  private failure(operation: string, key: string, err: unknown): StorageError {
    const { name, message, $metadata } = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = $metadata?.httpStatusCode;
    // A service's answer is named by its code; anything else (a refused connection, an abort) by its message.
    const reason = $metadata ? `${name ?? 'error'}${status ? ` (HTTP ${status})` : ''}` : (message ?? String(err));
    return new StorageError(`${operation} ${this.description}${key}: ${reason}`, status);
  }
}

function isMissing(err: unknown): boolean {
  const { name, $metadata } = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}
