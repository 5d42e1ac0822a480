import { realpath } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { ValidationError } from '../errors/domain.errors';
import { assertMediaKey } from '../storage/media-key';

/**
 * A folder that media paths are relative to (MEDIA_IN, MEDIA_OUT). Every path
 * that crosses the boundary of the platform goes through `resolve`, so nothing
 * outside the root is reachable: not by "..", not by an absolute path, not by
 * a symlink that leads out.
 */
export class MediaRoot {
  readonly path: string;

  constructor(
    readonly name: 'in' | 'out',
    root: string,
  ) {
    this.path = resolve(root);
  }

  /** Checks the relative path's shape without touching the disk (the rule of every backend, assertMediaKey). */
  static assertRelative(relativePath: string): void {
    assertMediaKey(relativePath);
  }

  /**
   * The absolute path of an existing file inside the root, with symlinks
   * resolved. Throws ValidationError for a path that leads out of the root,
   * and the filesystem's ENOENT for a missing one.
   */
  async resolve(relativePath: string): Promise<string> {
    MediaRoot.assertRelative(relativePath);
    const [real, realRoot] = await Promise.all([realpath(resolve(this.path, relativePath)), realpath(this.path)]);
    if (!MediaRoot.contains(realRoot, real)) {
      throw new ValidationError(`media path "${relativePath}" leads outside the ${this.name} root`, 'path');
    }
    return real;
  }

  /** Where a new file would go; its folder must already be inside the root. */
  target(relativePath: string): string {
    MediaRoot.assertRelative(relativePath);
    return resolve(this.path, relativePath);
  }

  relativeOf(absolutePath: string): string {
    return relative(this.path, absolutePath).split(sep).join('/');
  }

  static contains(root: string, candidate: string): boolean {
    return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
  }
}
