import { readdir, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type OnApplicationBootstrap, Logger } from '@nestjs/common';
import { walkFiles } from './local-walk';

/** `spool-<host>-<pid>-<8 hex>`: one process's ObjectSpool folder, named so that a later start can tell whose it was. */
export function spoolFolderName(id: string): string {
  return `spool-${hostname()}-${process.pid}-${id}`;
}

const SPOOL_FOLDER = /^spool-(.+)-(\d+)-[0-9a-f]{8}$/;
/** Temporary files on their way somewhere: ffmpeg's outputs (`.part`), the chunker's downloads (`.dl`). */
const TEMPORARY = /\.(part|dl)$/;

export interface ScratchSweepOptions {
  /** A temporary file not written for this long has no writer any more (the heartbeat timeout has failed its attempt). */
  readonly staleAfterMs: number;
  readonly host?: string;
  readonly isAlive?: (pid: number) => boolean;
  readonly now?: number;
}

/** Whether a process of this id runs on this machine (signal 0 checks without sending). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What killed processes left in a scratch folder (`<MPR_DATA_DIR>/scratch`), removed at a service's start: the spool
 * folders of this host's processes that are gone (a spool is only ever read by its own process), and temporary
 * files under `<root>/work/` that nothing has written for `staleAfterMs`. Processes of other hosts sharing the
 * folder keep theirs (their pids mean nothing here); the chunker's work directories are its own sweep's (by job state).
 */
export async function sweepScratch(scratchDir: string, options: ScratchSweepOptions): Promise<{ spools: string[]; files: string[] }> {
  const { staleAfterMs, host = hostname(), isAlive = processAlive, now = Date.now() } = options;
  const removed = { spools: [] as string[], files: [] as string[] };
  for (const root of ['in', 'out']) {
    const folder = join(scratchDir, root);
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      const match = SPOOL_FOLDER.exec(name);
      if (!match || match[1] !== host || isAlive(Number(match[2]))) continue;
      await rm(join(folder, name), { recursive: true, force: true });
      removed.spools.push(join(root, name));
    }
    const work = join(folder, 'work');
    for (const path of await walkFiles(work, () => undefined)) {
      if (!TEMPORARY.test(path)) continue;
      const info = await stat(path).catch(() => undefined);
      if (!info || now - info.mtimeMs < staleAfterMs) continue;
      await unlink(path).catch(() => undefined);
      removed.files.push(path.slice(scratchDir.length + 1));
    }
  }
  return removed;
}

/** Runs sweepScratch when the service starts, and says what it removed. */
export class ScratchSweeper implements OnApplicationBootstrap {
  private readonly logger = new Logger('Scratch');

  constructor(
    private readonly scratchDir: string,
    private readonly staleAfterMs: number,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const { spools, files } = await sweepScratch(this.scratchDir, { staleAfterMs: this.staleAfterMs });
      if (spools.length + files.length > 0) {
        this.logger.log(`removed what stopped processes left in ${this.scratchDir}: ${[...spools, ...files].join(', ')}`);
      }
    } catch (err) {
      this.logger.warn(`sweeping ${this.scratchDir}: ${(err as Error).message}`);
    }
  }
}
