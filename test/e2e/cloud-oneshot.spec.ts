import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLOUD_JOB_PAYLOAD_ENV } from '@mpr/core';
import { runOneShotPayload } from '../../services/transcoder/src/oneshot/oneshot.entry';
import { CloudWorld } from './cloud-harness';

/**
 * The one-shot entry of the transcoder end to end: the scheduler starts an
 * execution on a fake control plane, the test plays the cloud and runs what
 * it was handed (the Lambda handler's code in this process, the Cloud Run
 * container's command as a process) with real ffmpeg, and the reports reach
 * the running API through the signed callback.
 */
const ONESHOT_MAIN = resolve(__dirname, '../../services/transcoder/src/oneshot/oneshot.main.js');

describe('the one-shot entry (Lambda handler, Cloud Run container) end to end', () => {
  let world: CloudWorld;
  let mediaEnv: Record<string, string>;
  before(async () => {
    world = await CloudWorld.start();
    mediaEnv = { MEDIA_IN: world.api.mediaIn, MEDIA_OUT: world.api.mediaOut };
  });
  after(() => world?.stop());

  const readJob = (jobId: string) => world.readJob(jobId);

  const partFiles = async () => (await readdir(world.api.mediaOut)).filter((name) => name.endsWith('.part'));

  const startedExecutionInput = (jobId: string) => world.startedExecutionInput(jobId);

  it('lambda: the handler transcodes the source, reports progress and its outcome; the job is COMPLETED with its output asset', async () => {
    const jobId = await world.createJob({ executor: 'lambda' });
    const outcome = await runOneShotPayload(await startedExecutionInput(jobId), mediaEnv);
    assert.deepEqual(outcome, { kind: 'completed' });

    const job = await readJob(jobId);
    assert.equal(job.status, 'completed');
    assert.equal(job.outputPath, 'clip_h264_720p.mp4');
    const types = job.events.map((e) => e.type);
    assert.deepEqual([types.slice(0, 2), types.at(-1)], [['JobCreated', 'JobStarted'], 'JobCompleted'], types.join(', '));
    const between = types.slice(2, -1);
    // One report per second at most, and always the last (100 %): how many milestones depends on the machine's speed.
    assert.ok(between.length >= 1 && between.every((t) => t === 'JobProgressed'), `progress reports became milestones: ${types.join(', ')}`);
    assert.equal(job.outputAsset?.root, 'out');
    assert.equal(job.outputAsset?.filePath, 'clip_h264_720p.mp4');
    assert.equal(job.outputAsset?.status, 'ready');
    assert.equal(job.outputAsset?.videoCodec, 'h264');
    assert.ok(Math.abs((job.outputAsset?.duration ?? 0) - 1) < 0.1, `the 1 s clip, encoded (${job.outputAsset?.duration} s)`);
    assert.ok(existsSync(join(world.api.mediaOut, 'clip_h264_720p.mp4')));
    assert.deepEqual(await partFiles(), [], 'no part file left');

    // The same report again, as an executor whose first answer was lost sends it: acknowledged, nothing appended.
    assert.deepEqual(await world.callback(jobId, { status: 'completed', attempt: 1 }), { status: 200, body: { status: 'completed' } });
    assert.deepEqual(
      (await readJob(jobId)).events.map((e) => e.type),
      types,
    );
  });

  it('lambda: a source that is gone is reported as a final failure with the reason', async () => {
    const jobId = await world.createJob({ executor: 'lambda' });
    const input = await startedExecutionInput(jobId);
    const moved = join(world.api.mediaIn, 'clip.mp4');
    await rm(moved);
    try {
      const outcome = await runOneShotPayload(input, mediaEnv);
      assert.deepEqual(outcome, { kind: 'failed', errorMessage: 'source file clip.mp4 is missing from MEDIA_IN', retryable: false });
      const job = await readJob(jobId);
      assert.equal(job.status, 'failed');
      assert.equal(job.errorMessage, 'source file clip.mp4 is missing from MEDIA_IN');
    } finally {
      const { makeVideo } = await import('@mpr/core/testing/media-fixtures');
      await makeVideo(moved);
    }
  });

  it('lambda: an attempt cancelled before it reports is stopped by the first answer, and leaves no output', async () => {
    const jobId = await world.createJob({ executor: 'lambda' });
    const input = await startedExecutionInput(jobId);
    await world.api.graphql(`mutation { cancelJob(id: "${jobId}") { status } }`);
    const outcome = await runOneShotPayload(input, mediaEnv);
    assert.deepEqual(outcome, { kind: 'ended-elsewhere', status: 'cancelled' });
    const job = await readJob(jobId);
    assert.equal(job.status, 'cancelled');
    assert.equal(job.outputAsset, null);
    assert.deepEqual(await partFiles(), [], 'no part file left');
    assert.deepEqual(
      job.events.map((e) => e.type),
      ['JobCreated', 'JobStarted', 'JobCancelled'],
    );
  });

  it("gcp: the container command, run with the execution's overrides, completes the job", async () => {
    const jobId = await world.createJob();
    await world.jobUntil(jobId, 'started on gcp', (s) => s.status === 'PROCESSING');
    const run = world.run.calls('RunJob').find((c) => JSON.stringify(c.body).includes(jobId))!;
    const override = (run.body.overrides as { containerOverrides: Array<{ args: string[]; env: Array<{ name: string; value: string }> }> })
      .containerOverrides[0];
    const env = Object.fromEntries(override.env.map((e) => [e.name, e.value]));
    assert.ok(env[CLOUD_JOB_PAYLOAD_ENV]);
    // What the Cloud Run Job's container does with those overrides (deploy/gcp/cloud-run-job.yaml).
    const child = spawn(process.execPath, [ONESHOT_MAIN, ...override.args], {
      env: { PATH: process.env.PATH, ...mediaEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, output);
    const job = await readJob(jobId);
    assert.equal(job.status, 'completed');
    assert.equal(job.outputAsset?.status, 'ready');
    assert.match(job.outputPath ?? '', /^clip_h264_720p(-[0-9a-f]{8})?\.mp4$/, 'the name, or the fallback a name held by another job gets');
  });

  it("gcp: the container refuses arguments that do not name the payload's attempt", async () => {
    const jobId = await world.createJob();
    await world.jobUntil(jobId, 'started on gcp', (s) => s.status === 'PROCESSING');
    const run = world.run.calls('RunJob').find((c) => JSON.stringify(c.body).includes(jobId))!;
    const override = (run.body.overrides as { containerOverrides: Array<{ env: Array<{ name: string; value: string }> }> }).containerOverrides[0];
    const child = spawn(process.execPath, [ONESHOT_MAIN, '--job-id', jobId, '--attempt', '2'], {
      env: { PATH: process.env.PATH, ...mediaEnv, [CLOUD_JOB_PAYLOAD_ENV]: override.env[0].value },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.match(output, new RegExp(`--attempt 2 do not name the payload's job ${jobId} attempt 1`));
    assert.equal((await readJob(jobId)).status, 'processing', 'nothing reported');
  });
});
