import type { Dirent } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every regular file below `root`, as absolute paths. Symlinked folders are
 * not entered (they can loop, or lead out of the root); symlinked files are
 * returned and confined later by MediaRoot.resolve (LocalMediaStore.stat). Unreadable folders are
 * reported, not fatal.
 */
export async function walkFiles(root: string, onError: (path: string, err: Error) => void): Promise<string[]> {
  const files: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = [];
      for await (const entry of await opendir(dir)) entries.push(entry);
    } catch (err) {
      onError(dir, err as Error);
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) files.push(path);
      else if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        if (target?.isFile()) files.push(path);
      }
    }
  }
  return files.sort();
}
