import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LocalFile } from './media-store';

interface Entry {
  readonly ready: Promise<string>;
  refs: number;
}

/**
 * Local copies of objects for ffmpeg, in this process's scratch space. One copy per object version (key and ETag)
 * however many encodes read it at once (a chunker's segments), removed when the last of them releases it. A copy is
 * written under a hidden name and renamed when complete, so a reader never opens a half-downloaded file.
 */
export class ObjectSpool {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly dir: string) {}

  async fetch(id: string, key: string, download: () => Promise<Readable>): Promise<LocalFile> {
    const name = `${createHash('sha256').update(id).digest('hex').slice(0, 32)}${extname(key).toLowerCase()}`;
    let entry = this.entries.get(name);
    if (!entry) {
      entry = { ready: this.download(name, download), refs: 0 };
      this.entries.set(name, entry);
    }
    entry.refs += 1;
    let path: string;
    try {
      path = await entry.ready;
    } catch (err) {
      await this.release(name, entry);
      throw err;
    }
    let released = false;
    return {
      path,
      release: async () => {
        if (released) return;
        released = true;
        await this.release(name, entry);
      },
    };
  }

  private async download(name: string, download: () => Promise<Readable>): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, name);
    const part = join(this.dir, `.${name}.${randomUUID()}.part`);
    try {
      await pipeline(await download(), createWriteStream(part));
      await rename(part, path);
    } catch (err) {
      await unlink(part).catch(() => undefined);
      throw err;
    }
    return path;
  }

  private async release(name: string, entry: Entry): Promise<void> {
    entry.refs -= 1;
    if (entry.refs > 0 || this.entries.get(name) !== entry) return;
    this.entries.delete(name);
    const path = await entry.ready.catch(() => undefined);
    if (path) await unlink(path).catch(() => undefined);
  }
}
