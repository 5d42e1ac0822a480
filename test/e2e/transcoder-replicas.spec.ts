import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { handleCommand, jobDecider } from '@mpr/core';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { waitFor } from '@mpr/core/testing/wait-for';
import { eventsOf, ffmpegProcesses, killPid, type TranscoderProcess, TranscoderWorld, until } from './transcoder-harness';

/** "<hostname>-<pid>-<slot>" → pid. */
function pidOfWorker(workerId: string): number {
  return Number(/-(\d+)-\d+$/.exec(workerId)?.[1]);
}

describe('transcoder replicas (separate processes sharing one queue)', () => {
  let world: TranscoderWorld;
  let replicas: TranscoderProcess[];
  /** 1 s, 320x180 at 25 fps. */
  let short: string;
  /** 6 s, 640x360 at 25 fps: a VP9 encode of a few seconds. */
  let long: string;

  before(async () => {
    world = await TranscoderWorld.create();
    const [shortPath, longPath] = await Promise.all([
      makeVideo(join(world.mediaIn, 'short.mp4'), { seconds: 1, width: 320, height: 180, fps: 25 }),
      makeVideo(join(world.mediaIn, 'long.mp4'), { seconds: 6, width: 640, height: 360, fps: 25 }),
      world.seedPresets(),
    ]);
    [short, long] = await Promise.all([shortPath, longPath].map((p) => world.registerSource(p)));
    // A short ack wait, so a dead replica's item comes back within seconds.
    const env = { MPR_TRANSCODE_CONCURRENCY: '1', MPR_WORK_ACK_WAIT_SECONDS: '2' };
    replicas = await Promise.all([world.spawnTranscoder(env), world.spawnTranscoder(env)]);
  });

  after(() => world.cleanup());

  it('runs 10 jobs queued at once on both replicas, each started once and completed once', async () => {
    // Both replicas taking work is forced, not hoped for: the replica that takes a long first job has its ffmpeg
    // paused (SIGSTOP) until the other has started one of the ten; with one slot each, it cannot be the first's.
    const first = await world.createAndEnqueue(long, { presetId: 'builtin-vp9-720p', outputFilename: 'shared/first.webm' });
    const paused = await waitFor('the first job to be encoding', () => ffmpegProcesses(first), {
      done: (pids) => pids.length > 0,
      timeoutMs: 30_000,
      intervalMs: 5,
    });
    for (const pid of paused) process.kill(pid, 'SIGSTOP');
    const workerOf = async (jobId: string) => {
      const started = eventsOf(await world.jobEvents(jobId), 'JobStarted')[0];
      return started && pidOfWorker((started.event.value as { workerId: string }).workerId);
    };
    let jobIds: string[];
    try {
      const firstWorker = await waitFor('the first job to be started by a replica', () => workerOf(first));
      jobIds = await Promise.all(
        Array.from({ length: 10 }, (_, i) => world.createAndEnqueue(short, { presetId: 'builtin-h264-720p', outputFilename: `shared/${i}.mp4` })),
      );
      await waitFor('the other replica to start one of the ten', async () =>
        (await Promise.all(jobIds.map(workerOf))).some((pid) => pid && pid !== firstWorker),
      );
    } finally {
      for (const pid of paused) process.kill(pid, 'SIGCONT');
    }
    jobIds.push(first);
    const workers = new Set<number>();
    for (const jobId of jobIds) {
      await world.waitForStatus(jobId, 'COMPLETED', 60_000);
      const events = await world.jobEvents(jobId);
      const started = eventsOf(events, 'JobStarted');
      assert.equal(started.length, 1, `job ${jobId} started ${started.length} times`);
      assert.equal(eventsOf(events, 'JobCompleted').length, 1);
      workers.add(pidOfWorker((started[0].event.value as { workerId: string }).workerId));
    }
    assert.deepEqual([...workers].sort(), replicas.map((r) => r.pid).sort(), 'both replicas took jobs');
    assert.deepEqual((await world.outputFiles()).filter((f) => f.startsWith('shared/')).length, 11);
  });

  it('kill -9 mid-encode: the other replica fails the attempt as retryable; the retry completes exactly once', async () => {
    const jobId = await world.startEncode(long, { presetId: 'builtin-vp9-720p', outputFilename: 'killed/long.webm' });

    const started = await world.job(jobId);
    const victim = replicas.find((r) => r.pid === pidOfWorker(started.workerId));
    const survivor = replicas.find((r) => r !== victim);
    assert.ok(victim && survivor, `worker ${started.workerId} is one of the replicas`);
    const orphans = await ffmpegProcesses(jobId);
    assert.equal(orphans.length, 1);
    await victim.kill('SIGKILL');
    // A SIGKILL'd process cannot stop its ffmpeg (in Kubernetes the pod's cgroup goes with it); the test does.
    orphans.forEach(killPid);

    const failed = await world.waitForStatus(jobId, 'FAILED', 20_000);
    assert.deepEqual([failed.attempt, failed.retryable, failed.errorMessage], [1, true, 'worker lost during attempt 1']);
    // The survivor logs after its append: the log line may arrive a moment after the event.
    await until('the survivor to say it marked the attempt', () => survivor.logs.some((l) => l.message.includes(jobId) && l.message.includes('was lost')));

    // The scheduler's part: an automatic retry of the retryable failure, and the new attempt queued.
    await handleCommand(world.store, { type: 'job', id: jobId }, jobDecider, { type: 'RetryJob', jobId, automatic: true });
    await world.enqueue(jobId, 2);
    const job = await world.waitForStatus(jobId, 'COMPLETED', 60_000);
    assert.equal(job.outputPath, 'killed/long.webm');

    const events = await world.jobEvents(jobId);
    assert.deepEqual(
      eventsOf(events, 'JobStarted').map((e) => (e.event.value as { attempt: number }).attempt),
      [1, 2],
    );
    assert.equal(eventsOf(events, 'JobCompleted').length, 1);
    assert.deepEqual(
      (await world.outputFiles()).filter((f) => f.startsWith('killed/')),
      ['killed/long.webm'],
      'one output, no temporary files',
    );
  });
});
