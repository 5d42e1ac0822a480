import { ValidationError } from '../errors/domain.errors';

/** Where a media root lives: a local folder, or a bucket and key prefix on S3 or on GCS (through its S3-compatible XML API). */
export type StorageLocation = { readonly kind: 'local'; readonly path: string } | ObjectLocation;

export interface ObjectLocation {
  readonly kind: 's3' | 'gs';
  readonly bucket: string;
  /** '' or a key prefix ending in '/': every key of the root starts with it. */
  readonly prefix: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
/** S3's bucket names (3–63 lower-case letters, digits, dots, hyphens); GCS also takes underscores. */
const BUCKET = { s3: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, gs: /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/ } as const;

/**
 * Reads MEDIA_IN / MEDIA_OUT: a local path, `s3://bucket/prefix` or `gs://bucket/prefix`.
 * Errors never repeat the value's user part: a URL with credentials in it is refused without echoing them.
 */
export function parseStorageLocation(value: string): StorageLocation {
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (value === '' || value.includes('\0')) throw new ValidationError('a media root must be a path, s3://bucket/prefix or gs://bucket/prefix');
    return { kind: 'local', path: value };
  }
  if (scheme !== 's3' && scheme !== 'gs') throw new ValidationError(`a media root URL must start with s3:// or gs://, not ${scheme}://`);
  const rest = value.slice(scheme.length + 3);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  if (bucket.includes('@') || bucket.includes(':')) {
    throw new ValidationError(`${scheme}:// roots take no credentials or port in the URL: use the AWS SDK's variables (AWS_ACCESS_KEY_ID, …)`);
  }
  if (!BUCKET[scheme].test(bucket)) throw new ValidationError(`"${bucket}" is not a valid ${scheme === 's3' ? 'S3' : 'GCS'} bucket name`);
  const path = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (path !== '') {
    const segments = path.split('/');
    if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      throw new ValidationError(`the key prefix "${path}" may not hold empty, "." or ".." segments`);
    }
  }
  return { kind: scheme, bucket, prefix: path === '' ? '' : `${path}/` };
}

/** How a root is named in logs and messages: its URL or path, never a credential (there is none in it). */
export function describeLocation(location: StorageLocation): string {
  return location.kind === 'local' ? location.path : `${location.kind}://${location.bucket}/${location.prefix}`;
}
