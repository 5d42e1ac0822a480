import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../testing/media-fixtures';
import { spoolFolderName, sweepScratch } from './scratch-sweep';

const HOUR_MS = 3_600_000;

/** The pid of a process that has exited (and was reaped): what a killed replica's spool folder names. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid as number;
}

describe('sweepScratch: what stopped processes left in scratch space', () => {
  let dir: { path: string; remove(): Promise<void> };
  before(async () => {
    dir = await tempDir('mpr-scratch-');
  });
  after(async () => {
    await dir?.remove();
  });

  const put = async (path: string, ageMs = 0) => {
    const file = join(dir.path, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, 'x');
    const at = new Date(Date.now() - ageMs);
    await utimes(file, at, at);
  };

  it("removes a dead process's spool folder and stale temporary files; keeps live spools, other hosts', fresh and finished files", async () => {
    const dead = await deadPid();
    const host = hostname();
    const files = {
      deadSpool: `in/spool-${host}-${dead}-0badc0de/0123.mp4`,
      deadOutSpool: `out/spool-${host}-${dead}-0badc0de/.0123.mp4.x.part`,
      ownSpool: `in/${spoolFolderName('abcdef01')}/4567.mp4`,
      otherHost: `in/spool-another-host-${dead}-12345678/89ab.mp4`,
      stalePart: 'out/work/.clip.mp4.job-a1.part',
      staleSegment: 'out/work/.mpr-chunks/job-a1/segment-000.mkv.d1.part',
      staleDownload: 'out/work/.mpr-chunks/job-a1/segment-001.mkv.1a2b3c4d.dl',
      freshPart: 'out/work/.other.mp4.job-a2.part',
      finished: 'out/work/.mpr-chunks/job-a1/segment-002.mkv',
    };
    for (const [name, path] of Object.entries(files)) await put(path, name === 'freshPart' || name === 'ownSpool' ? 0 : HOUR_MS);

    const removed = await sweepScratch(dir.path, { staleAfterMs: 120_000 });

    const left = Object.fromEntries(Object.entries(files).map(([name, path]) => [name, existsSync(join(dir.path, path))]));
    assert.deepEqual(left, {
      deadSpool: false,
      deadOutSpool: false,
      ownSpool: true,
      otherHost: true,
      stalePart: false,
      staleSegment: false,
      staleDownload: false,
      freshPart: true,
      finished: true,
    });
    assert.equal(existsSync(join(dir.path, `in/spool-${host}-${dead}-0badc0de`)), false, 'the whole folder goes');
    assert.deepEqual(removed.spools.sort(), [`in/spool-${host}-${dead}-0badc0de`, `out/spool-${host}-${dead}-0badc0de`]);
    assert.deepEqual(removed.files.sort(), [files.stalePart, files.staleSegment, files.staleDownload].sort());
  });

  it('finds nothing to do in a scratch folder that does not exist', async () => {
    assert.deepEqual(await sweepScratch(join(dir.path, 'none'), { staleAfterMs: 1 }), { spools: [], files: [] });
  });
});
