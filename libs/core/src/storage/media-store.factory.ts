import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { MediaRoot } from '../media/media-root';
import { LocalMediaStore } from './local-media.store';
import type { MediaStore } from './media-store';
import { ObjectSpool } from './object-spool';
import { spoolFolderName } from './scratch-sweep';
import { createObjectStoreClient, type ObjectStoreSettings } from './s3-client.factory';
import { S3MediaStore } from './s3-media.store';
import { parseStorageLocation } from './storage-location';

export interface MediaStoreOptions extends ObjectStoreSettings {
  /** This process's scratch folder: spooled sources and outputs on their way to a bucket. */
  readonly scratchDir: string;
  /** For gs:// roots only: another XML API endpoint (tests point it at an S3-protocol server). */
  readonly gcsEndpoint?: string;
}

/** The store of MEDIA_IN or MEDIA_OUT, from the variable's form: a path, s3://bucket/prefix or gs://bucket/prefix. */
export function openMediaStore(name: 'in' | 'out', value: string, options: MediaStoreOptions): MediaStore {
  const location = parseStorageLocation(value);
  if (location.kind === 'local') return new LocalMediaStore(name, location.path);
  const client = createObjectStoreClient(
    location.kind,
    location.kind === 'gs' ? { endpoint: options.gcsEndpoint, forcePathStyle: options.forcePathStyle } : options,
  );
  const scratch = join(options.scratchDir, name);
  // The work folder is shared by the processes of one machine (as a local root would be: the chunker's replicas
  // there meet in it); each store's spool is its own, so no store removes a copy another one still reads, and named by
  // host and pid, so that a later start removes a killed process's (ScratchSweeper).
  const spool = new ObjectSpool(join(scratch, spoolFolderName(randomUUID().slice(0, 8))));
  return new S3MediaStore(name, location, client, spool, new MediaRoot(name, join(scratch, 'work')));
}
