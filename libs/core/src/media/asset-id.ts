import { createHash } from 'node:crypto';

/**
 * A media file's asset id, derived from its root and relative path, so a
 * rescan after a restart finds the asset it registered before instead of
 * registering the file twice. UUID-shaped (version 5 layout over SHA-1).
 */
export function assetIdFor(root: 'in' | 'out', relativePath: string): string {
  const hex = createHash('sha1').update(`mpr:${root}:${relativePath}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
