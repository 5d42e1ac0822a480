import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FfprobeRepository, ProbeError } from '@mpr/core';
import { tempDir } from '@mpr/core/testing/media-fixtures';
import { waitFor } from '@mpr/core/testing/wait-for';
import { ffmpegProcesses } from '../e2e/transcoder-harness';

const run = promisify(execFile);

/**
 * A real ffprobe that never answers: the "media file" is a FIFO nobody
 * writes to, so ffprobe blocks opening it, as it would on a stalled network
 * mount. The repository must kill it and say so.
 */
describe('FfprobeRepository: the timeout (real ffprobe)', () => {
  let dir: { path: string; remove(): Promise<void> };
  let fifo: string;

  before(async () => {
    dir = await tempDir('mpr-ffprobe-timeout-');
    fifo = join(dir.path, 'stalled.mp4');
    await run('mkfifo', [fifo]);
  });
  after(() => dir?.remove());

  it('fails a probe that gets no answer within its timeout with a ProbeError, and leaves no ffprobe behind', async () => {
    await assert.rejects(
      new FfprobeRepository().probe(fifo, 300),
      (err: unknown) => err instanceof ProbeError && err.message === 'ffprobe gave no answer within 300 ms',
    );
    await waitFor('the killed ffprobe to be gone', async () => (await ffmpegProcesses(fifo, 'ffprobe')).length === 0);
  });
});
