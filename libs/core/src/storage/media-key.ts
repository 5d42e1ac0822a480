import { ValidationError } from '../errors/domain.errors';

/**
 * The one rule for a media path relative to its root (the database's `filePath`, a route's path, an output name),
 * on every backend: not empty, no NUL, not absolute, no "..", and not a URL (which could name another bucket).
 * Object stores would take "a/../b" as a literal key, but a local root would walk out: one rule for both keeps a
 * database valid when the root moves between them.
 */
export function assertMediaKey(key: string, field = 'path'): void {
  if (key === '' || key.includes('\0')) throw new ValidationError('media path is empty or holds a NUL byte', field);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(key)) throw new ValidationError(`media path "${key}" must be relative to its root, not a URL`, field);
  if (key.startsWith('/') || key.startsWith('\\') || /^[a-zA-Z]:[\\/]/.test(key)) {
    throw new ValidationError(`media path "${key}" must be relative to its root, not absolute`, field);
  }
  if (key.split(/[\\/]/).includes('..')) throw new ValidationError(`media path "${key}" may not contain ".."`, field);
}
