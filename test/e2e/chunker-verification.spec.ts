import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { enqueueChunkJob, handleCommand, jobDecider, loadConfig, type RunningService, startService } from '@mpr/core';
import { chunkerService } from '../../services/chunker/src/chunker.service-definition';
import { segmentName } from '../../services/chunker/src/chunker.settings';
import { waitFor } from '@mpr/core/testing/wait-for';
import { eventsOf, makeKeyframedSource, processesMatching, TranscoderWorld, until } from './transcoder-harness';

const run = promisify(execFile);
const FPS = 25;

/**
 * A stitch that the verification refuses: a finished segment loses half its
 * frames before the stitch (as a disk or a worker could corrupt it), the
 * stitch itself succeeds, the frame count does not match the job's range.
 */
describe('chunker: a stitched output that fails its verification', () => {
  let world: TranscoderWorld;
  let chunker: RunningService;
  let source: string;

  before(async () => {
    world = await TranscoderWorld.create();
    const [path] = await Promise.all([makeKeyframedSource(join(world.mediaIn, 'source.mp4'), { seconds: 12, fps: FPS, size: '640x360' }), world.seedPresets()]);
    source = await world.registerSource(path);
    chunker = await startService(
      chunkerService,
      loadConfig(world.env({ MPR_CHUNKER_PORT: '0', MPR_CHUNK_WORKERS: '2', MPR_CHUNK_CORES: '2', MPR_LOG_LEVEL: 'warn' })),
    );
  });

  after(async () => {
    await chunker?.app.close();
    await world?.cleanup();
  });

  it('fails the job for good with the verification’s reason and publishes nothing', async () => {
    const jobId = randomUUID();
    await handleCommand(world.store, { type: 'job', id: jobId }, jobDecider, {
      type: 'CreateJob',
      jobId,
      sourceAssetId: source,
      presetId: 'builtin-h264-720p',
      outputFilename: 'refused.mp4',
      chunkDuration: 4,
      executor: Executor.LOCAL,
      chunked: true,
      priority: Priority.NORMAL,
    });
    const telemetry: Array<{ subject: string; body: Record<string, unknown> }> = [];
    const sub = world.streams.nc.subscribe(world.streams.names.telemetrySubject('chunker', jobId, '>'), {
      callback: (_err, msg) => {
        telemetry.push({ subject: msg.subject, body: JSON.parse(msg.string()) as Record<string, unknown> });
      },
    });
    await enqueueChunkJob(world.js, world.streams.names, { jobId, attempt: 1, priority: Priority.NORMAL, queuedAt: new Date() });

    // The first segment done (the others cannot all be done yet, so no stitch has begun); the encodes still running
    // are paused (SIGSTOP) while it is cut to its first half, so the stitch cannot start before the swap, whatever
    // the machine's load.
    const firstDone = await waitFor('a segment to be done', () => telemetry.find((e) => /\.segment\.\d+\.done$/.test(e.subject)), {
      timeoutMs: 60_000,
      intervalMs: 5,
    });
    const running = await processesMatching((argv) => argv[0]?.endsWith('ffmpeg') && argv.some((a) => a.includes(jobId)));
    for (const { pid } of running) signalIfAlive(pid, 'SIGSTOP');
    try {
      assert.equal(
        telemetry.some((e) => e.subject.endsWith('.stitching')),
        false,
        'the stitch had not started',
      );
      const segment = join(world.mediaOut, '.mpr-chunks', `${jobId}-a1`, segmentName(Number(firstDone!.body.index)));
      const cut = `${segment}.cut.mkv`;
      await run('ffmpeg', ['-v', 'error', '-y', '-i', segment, '-map', '0', '-c', 'copy', '-frames:v', String(2 * FPS), '-f', 'matroska', cut]);
      await rename(cut, segment);
    } finally {
      for (const { pid } of running) signalIfAlive(pid, 'SIGCONT');
    }

    const failed = await world.waitForStatus(jobId, 'FAILED', 60_000);
    sub.unsubscribe();
    assert.equal(failed.retryable, false, 'a refused stitch is not retried');
    // 12 s at 25 fps in three 4 s segments, one cut to 2 s: 50 frames short.
    assert.equal(failed.errorMessage, 'the stitched output was refused: 250 video frames, expected 300 (±1)');
    assert.ok(
      telemetry.some((e) => e.subject.endsWith('.rejected')),
      'a rejected event',
    );
    assert.equal(
      telemetry.some((e) => e.subject.endsWith('.verified')),
      false,
    );
    assert.equal(eventsOf(await world.jobEvents(jobId), 'JobCompleted').length, 0);
    // Nothing under the job's name, and its work directory gone.
    await until('the work directory to be removed', async () => (await world.outputFiles()).every((f) => !f.includes(jobId)), 10_000);
    assert.deepEqual(
      (await world.outputFiles()).filter((f) => f.includes('refused')),
      [],
    );
  });
});

/** An encode listed a moment ago may have finished since: that one needs no pause (ESRCH), anything else is an error. */
function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
