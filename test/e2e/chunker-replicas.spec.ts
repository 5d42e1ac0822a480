import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Priority } from '@mpr/contracts/common_pb';
import { promisify } from 'node:util';
import { BUILTIN_PRESETS, enqueueChunkJob, handleCommand, jobDecider, presetDecider } from '@mpr/core';
import { ChunkerProcess, createChunkedJob, forceSegmentsOnTwoReplicas, parentOf, pidOf, segmentEvents } from './chunker-harness';
import { eventsOf, ffmpegProcesses, killPid, makeKeyframedSource, outputFacts, TranscoderWorld, until, untilGone } from './transcoder-harness';

const FPS = 25;
const SECONDS = 10;
const PRESET = 'builtin-h264-720p';
const run = promisify(execFile);

describe("chunker replicas (two processes sharing one job's segments)", () => {
  let world: TranscoderWorld;
  let replicas: ChunkerProcess[] = [];
  let source: string;
  let env: Record<string, string>;

  before(async () => {
    world = await TranscoderWorld.create();
    const [path] = await Promise.all([
      makeKeyframedSource(join(world.mediaIn, 'source.mp4'), { seconds: SECONDS, fps: FPS, size: '1280x720' }),
      world.seedPresets(),
    ]);
    source = await world.registerSource(path);
    // One segment worker each, and a short ack wait so a dead replica's segment comes back within seconds.
    env = world.env({ MPR_CHUNKER_PORT: '0', MPR_CHUNK_WORKERS: '1', MPR_WORK_ACK_WAIT_SECONDS: '2', MPR_LOG_LEVEL: 'log' });
    replicas = [new ChunkerProcess(env), new ChunkerProcess(env)];
    await Promise.all(replicas.map((r) => r.ready));
  });

  after(async () => {
    await Promise.allSettled(replicas.map((r) => r.stop()));
    await world?.cleanup();
  });

  const createChunked = (outputFilename: string, presetId = PRESET, beforeQueued?: (jobId: string) => Promise<void>) =>
    createChunkedJob(world, { sourceAssetId: source, presetId, outputFilename }, beforeQueued);

  async function assertPublished(jobId: string, outputFilename: string): Promise<void> {
    const job = await world.job(jobId);
    assert.equal(job.outputPath, outputFilename);
    const output = await outputFacts(join(world.mediaOut, job.outputPath));
    assert.equal(output.videoFrames, SECONDS * FPS);
    assert.ok(Math.abs(output.duration - SECONDS) <= 1 / FPS + 0.03, `duration ${output.duration}`);
    assert.equal(eventsOf(await world.jobEvents(jobId), 'JobCompleted').length, 1);
    const workDir = join(world.mediaOut, '.mpr-chunks', `${jobId}-a1`);
    await untilGone('the work directory to be removed', workDir, 3_000);
    assert.deepEqual(
      (await world.outputFiles()).filter((f) => f.includes(jobId)),
      [],
      'no temporary files of the job',
    );
  }

  it('both replicas encode segments of one job; each segment is done once; the output is verified', async () => {
    const { jobId, telemetry, stop } = await createChunked('shared.mp4');
    await forceSegmentsOnTwoReplicas(jobId, telemetry);
    await world.waitForStatus(jobId, 'COMPLETED', 30_000);
    await until('the verified event', () => telemetry.some((e) => e.subject.endsWith('.verified')), 2_000);
    stop();
    await assertPublished(jobId, 'shared.mp4');

    const queued = segmentEvents(telemetry, 'queued');
    const done = segmentEvents(telemetry, 'done');
    assert.ok(queued.length >= 4, `${queued.length} segments queued`);
    const doneIndexes = done.map((e) => Number(e.body.index)).sort((a, b) => a - b);
    assert.deepEqual(
      doneIndexes,
      queued.map((e) => Number(e.body.index)).sort((a, b) => a - b),
      'each segment done exactly once',
    );
    const by = new Set(done.map((e) => pidOf(e.body.replicaId)));
    assert.deepEqual(
      [...by].sort(),
      replicas.map((r) => r.pid).sort(),
      `segments done by both replicas: ${done.map((e) => `${e.body.index}@${e.body.workerId}`).join(' ')}`,
    );
    for (const e of done) assert.match(String(e.body.workerId), /-w0$/);
  });

  it('kill -9 of the replica that only encodes segments: its segment goes to the other replica, the job completes exactly once', async () => {
    const { jobId, telemetry, stop } = await createChunked('killed.mp4');
    const started = await world.waitForStatus(jobId, 'PROCESSING', 10_000);
    const coordinator = replicas.find((r) => r.pid === pidOf(started.workerId));
    const victim = replicas.find((r) => r !== coordinator);
    assert.ok(coordinator && victim, `coordinator ${started.workerId} is one of the replicas`);

    // The victim's own ffmpeg for a segment of this job (not the coordinator's split or audio encode).
    let orphans: number[] = [];
    await until(
      'the victim to encode a segment',
      async () => {
        const pids = await ffmpegProcesses(jobId);
        orphans = [];
        for (const pid of pids) if ((await parentOf(pid)) === victim.pid) orphans.push(pid);
        return orphans.length > 0;
      },
      20_000,
      10,
    );
    const inFlight = segmentEvents(telemetry, 'started')
      .filter((e) => pidOf(e.body.replicaId) === victim.pid)
      .map((e) => Number(e.body.index));
    await victim.kill('SIGKILL');
    // A SIGKILL'd process cannot stop its ffmpeg; the test does, before the ack wait gives the segment to the survivor.
    orphans.forEach(killPid);

    await world.waitForStatus(jobId, 'COMPLETED', 30_000);
    await until('the verified event', () => telemetry.some((e) => e.subject.endsWith('.verified')), 2_000);
    stop();
    await assertPublished(jobId, 'killed.mp4');
    assert.deepEqual(await ffmpegProcesses(jobId), []);

    const queued = segmentEvents(telemetry, 'queued')
      .map((e) => Number(e.body.index))
      .sort((a, b) => a - b);
    const done = segmentEvents(telemetry, 'done');
    // Every segment done; one the victim had renamed but not yet acknowledged could be done twice, never by two live encodes at once.
    assert.deepEqual(
      [...new Set(done.map((e) => Number(e.body.index)))].sort((a, b) => a - b),
      queued,
    );
    const doneTwice = queued.filter((i) => done.filter((e) => Number(e.body.index) === i).length > 1);
    assert.ok(doneTwice.length <= 1, `segments done twice: ${doneTwice}`);
    // The segment the victim was encoding when it died was redelivered to the survivor (delivery ≥ 2).
    const lost = inFlight.filter((i) => !done.some((e) => Number(e.body.index) === i && pidOf(e.body.replicaId) === victim.pid));
    assert.ok(lost.length >= 1, `a segment in flight on the victim: started ${inFlight}`);
    for (const index of lost) {
      const redelivered = segmentEvents(telemetry, 'started').filter((e) => Number(e.body.index) === index && pidOf(e.body.replicaId) === coordinator.pid);
      assert.ok(
        redelivered.some((e) => Number(e.body.delivery) >= 2),
        `segment ${index} redelivered to the survivor`,
      );
    }
  });

  it('kill -9 of the coordinating replica: the survivor marks the attempt lost, and the retry takes over its finished segments and completes exactly once', async () => {
    // The previous test killed a replica: two live ones again.
    replicas = replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    while (replicas.length < 2) replicas.push(new ChunkerProcess(env));
    await Promise.all(replicas.map((r) => r.ready));

    const { jobId, telemetry, stop } = await createChunked('coordinator-killed.mp4');
    const started = await world.waitForStatus(jobId, 'PROCESSING', 10_000);
    const victim = replicas.find((r) => r.pid === pidOf(started.workerId));
    const survivor = replicas.find((r) => r !== victim);
    assert.ok(victim && survivor, `coordinator ${started.workerId} is one of the replicas`);
    await until('two segments done', () => segmentEvents(telemetry, 'done').length >= 2, 20_000, 5);
    const orphans: number[] = [];
    for (const pid of await ffmpegProcesses(jobId)) if ((await parentOf(pid)) === victim.pid) orphans.push(pid);
    await victim.kill('SIGKILL');
    orphans.forEach(killPid);

    // The survivor gets the chunk-job item again once its ack wait ran out, and fails the attempt as retryable.
    const failed = await world.waitForStatus(jobId, 'FAILED', 20_000);
    assert.deepEqual([failed.attempt, failed.retryable, failed.errorMessage], [1, true, 'worker lost during attempt 1']);
    const doneInAttempt1 = segmentEvents(telemetry, 'done')
      .filter((e) => e.body.attempt === 1)
      .map((e) => Number(e.body.index));

    // The scheduler's part: the automatic retry, queued as a new chunk job.
    await handleCommand(world.store, { type: 'job', id: jobId }, jobDecider, { type: 'RetryJob', jobId, automatic: true });
    await enqueueChunkJob(world.js, world.streams.names, { jobId, attempt: 2, priority: Priority.NORMAL, queuedAt: new Date() });
    const job = await world.waitForStatus(jobId, 'COMPLETED', 60_000);
    assert.equal(job.attempt, 2);
    await until('the verified event', () => telemetry.some((e) => e.subject.endsWith('.verified') && e.body.attempt === 2), 2_000);
    stop();

    const events = await world.jobEvents(jobId);
    assert.deepEqual(
      eventsOf(events, 'JobStarted').map((e) => (e.event.value as { attempt: number }).attempt),
      [1, 2],
    );
    assert.equal(eventsOf(events, 'JobCompleted').length, 1);
    const output = await outputFacts(join(world.mediaOut, job.outputPath));
    assert.equal(output.videoFrames, SECONDS * FPS);
    await untilGone("attempt 2's work directory to be removed", join(world.mediaOut, '.mpr-chunks', `${jobId}-a2`), 3_000);
    assert.deepEqual(
      (await world.outputFiles()).filter((f) => f.includes(jobId)),
      [],
      'no temporary files of the job',
    );
    assert.deepEqual(await ffmpegProcesses(jobId), []);
    // Attempt 2 took over attempt 1's finished segments and encoded only the rest, on the survivor; attempt 1's
    // segments still queued were dropped, and its work directory is gone.
    const reused = telemetry.find((e) => e.subject.endsWith('.reused'));
    assert.ok(reused, 'a reused event');
    const reusedIndexes = (reused.body.segments as number[]).slice().sort((a, b) => a - b);
    assert.ok(
      reusedIndexes.length >= 2 && doneInAttempt1.every((i) => reusedIndexes.includes(i)),
      `reused ${reusedIndexes} ⊇ done in attempt 1 ${doneInAttempt1}`,
    );
    const done2 = segmentEvents(telemetry, 'done').filter((e) => e.body.attempt === 2);
    assert.ok(
      done2.every((e) => pidOf(e.body.replicaId) === survivor.pid),
      'attempt 2 encoded by the survivor',
    );
    const queued2 = segmentEvents(telemetry, 'queued')
      .filter((e) => e.body.attempt === 2)
      .map((e) => Number(e.body.index));
    const plannedCount = segmentEvents(telemetry, 'queued').filter((e) => e.body.attempt === 1).length;
    assert.deepEqual(
      [...queued2, ...reusedIndexes].sort((a, b) => a - b),
      [...Array(plannedCount).keys()],
      'every segment either taken over or encoded again, never both',
    );
    assert.deepEqual(
      done2.map((e) => Number(e.body.index)).sort((a, b) => a - b),
      queued2.sort((a, b) => a - b),
    );
    await untilGone("attempt 1's work directory to be removed", join(world.mediaOut, '.mpr-chunks', `${jobId}-a1`), 3_000);
  });

  it('a preset edited during a chunked attempt does not reach its segments: a replica joining later encodes with the preset the job was planned with', async () => {
    await Promise.allSettled(replicas.splice(0).map((r) => r.stop()));
    const base = BUILTIN_PRESETS.find((p) => p.presetId === PRESET)!.settings;
    const presetId = `custom-${randomUUID()}`;
    await handleCommand(world.store, { type: 'preset', id: presetId }, presetDecider, {
      type: 'CreatePreset',
      presetId,
      settings: { ...base, name: 'Editable 360p', height: 360 },
      builtin: false,
    });
    const first = new ChunkerProcess(env);
    replicas.push(first);
    await first.ready;

    // The only replica's only worker takes segment 0 first and stays on it: ffmpeg blocks opening a named pipe as its output.
    const { jobId, telemetry, stop } = await createChunked('preset-edited.mp4', presetId, async (id) => {
      const workDir = join(world.mediaOut, '.mpr-chunks', `${id}-a1`);
      await mkdir(workDir, { recursive: true });
      await run('mkfifo', [join(workDir, 'segment-000.mkv.d1.part')]);
    });
    await until('segment 0 under way', () => segmentEvents(telemetry, 'started').some((e) => e.body.index === 0), 20_000, 10);
    await handleCommand(world.store, { type: 'preset', id: presetId }, presetDecider, {
      type: 'UpdatePreset',
      presetId,
      settings: { ...base, name: 'Editable 360p', height: 180 },
    });

    // A replica that reads the job's context only now encodes the other segments.
    const second = new ChunkerProcess(env);
    replicas.push(second);
    await second.ready;
    await until(
      'the other segments done by the new replica',
      () => segmentEvents(telemetry, 'done').filter((e) => pidOf(e.body.replicaId) === second.pid).length >= 3,
      30_000,
    );
    // Free segment 0: its blocked ffmpeg is killed, the delivery fails and is tried again.
    const [blocked] = await ffmpegProcesses(`${jobId}-a1/segment-000.mkv.d1.part`);
    assert.ok(blocked, 'the blocked encode of segment 0');
    killPid(blocked);
    const job = await world.waitForStatus(jobId, 'COMPLETED', 60_000);
    stop();

    const { stdout } = await run(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=height', '-of', 'csv=p=0', join(world.mediaOut, job.outputPath)],
      { maxBuffer: 8 << 20 },
    );
    const heights = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => Number.parseInt(line, 10));
    assert.equal(heights.length, SECONDS * FPS);
    assert.deepEqual([...new Set(heights)], [360], 'every frame at the height the job was planned with');
  });
});
