import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { BUILTIN_PRESETS, handleCommand, jobDecider, type JobState, type PriorityClass, type RunningService, transcodeSubject } from '@mpr/core';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { waitFor } from '@mpr/core/testing/wait-for';
import { eventsOf, ffmpegProcesses, probeStreams, TranscoderWorld, until } from './transcoder-harness';

/** ffprobe's codec names of each built-in preset's output: [video, audio]. */
const PRESET_CODECS: Record<string, [string, string]> = {
  'builtin-h264-720p': ['h264', 'aac'],
  'builtin-h264-1080p': ['h264', 'aac'],
  'builtin-h265-1080p': ['hevc', 'aac'],
  'builtin-vp9-720p': ['vp9', 'opus'],
  'builtin-av1-720p': ['av1', 'aac'],
  'builtin-remux': ['h264', 'aac'],
  'builtin-mp3-192k': ['', 'mp3'],
  'builtin-aac-192k': ['', 'aac'],
  'builtin-opus-128k': ['', 'opus'],
  'builtin-flac': ['', 'flac'],
};

const CONTAINER = Object.fromEntries(BUILTIN_PRESETS.map((p) => [p.presetId, p.settings.container]));

/** A work item published by hand: what JetStream redelivers, with its own message id so no dedupe hides it. */
async function publishRawItem(world: TranscoderWorld, jobId: string, attempt: number, cls: PriorityClass = 'normal'): Promise<void> {
  const body = JSON.stringify({ jobId, attempt, priority: 'PRIORITY_NORMAL', queuedAt: new Date().toISOString() });
  await world.js.publish(transcodeSubject(world.streams.names, cls), body, { msgID: randomUUID() });
}

async function scrape(service: RunningService): Promise<string> {
  return (await fetch(`${service.url}/metrics`)).text();
}

/** The value of the first series of `name` whose labels include `label`. */
function metric(text: string, name: string, label = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  assert.ok(line, `${name}{${label}} is exported`);
  return Number(line.split(' ').at(-1));
}

/** Like `metric`, but 0 while the series is not exported yet (a counter appears with its first count). */
function metricOrZero(text: string, name: string, label = ''): number {
  return text.split('\n').some((l) => l.startsWith(`${name}{`) && l.includes(label)) ? metric(text, name, label) : 0;
}

/** Work items `service` has handled with `outcome` so far: each test counts its own, from before to after. */
async function outcomeCount(service: RunningService, outcome: string): Promise<number> {
  return metricOrZero(await scrape(service), 'mpr_transcode_jobs_total', `outcome="${outcome}"`);
}

/**
 * How many more items `service` has counted with `outcome` than `before`, once it has counted at least `expected`:
 * the count comes just after the item's ack, so a drained queue does not mean it is there yet.
 */
async function countedSince(service: RunningService, outcome: string, before: number, expected: number): Promise<number> {
  const now = await waitFor(`${expected} more ${outcome} items counted`, () => outcomeCount(service, outcome), { done: (n) => n - before >= expected });
  return now - before;
}

async function queueDrained(world: TranscoderWorld): Promise<void> {
  await until('the work item to be acknowledged', async () => {
    const state = await world.queueState('normal');
    return state.pending === 0 && state.unacknowledged === 0;
  });
}

describe('transcoder (in process, 2 slots)', () => {
  let world: TranscoderWorld;
  /** 1 s, 160x120 at 10 fps with sound. */
  let tiny: string;
  /** 2 s, 320x180 at 25 fps with sound. */
  let clip: string;
  /** 8 s, 640x360 at 25 fps: VP9 takes a few seconds over it. */
  let long: string;
  let corrupt: { assetId: string; path: string };
  let transcoder: RunningService;

  before(async () => {
    world = await TranscoderWorld.create();
    const corruptPath = join(world.mediaIn, 'broken.mp4');
    const [tinyPath, clipPath, longPath] = await Promise.all([
      makeVideo(join(world.mediaIn, 'tiny.mp4')),
      makeVideo(join(world.mediaIn, 'clip.mp4'), { seconds: 2, width: 320, height: 180, fps: 25 }),
      makeVideo(join(world.mediaIn, 'long.mp4'), { seconds: 8, width: 640, height: 360, fps: 25 }),
      makeVideo(corruptPath),
      world.seedPresets(),
    ]);
    [tiny, clip, long] = await Promise.all([tinyPath, clipPath, longPath].map((p) => world.registerSource(p)));
    corrupt = { assetId: await world.registerSource(corruptPath), path: corruptPath };
    transcoder = await world.startTranscoder({ MPR_TRANSCODE_CONCURRENCY: '2' });
  });

  after(() => world.cleanup());

  it('runs every built-in preset to a verified output, registered as an asset of the job', async () => {
    const jobs = await Promise.all(
      BUILTIN_PRESETS.map(async ({ presetId }) => {
        const outputFilename = `presets/${presetId}.${CONTAINER[presetId]}`;
        return { presetId, outputFilename, jobId: await world.createAndEnqueue(tiny, { presetId, outputFilename }) };
      }),
    );
    for (const { presetId, outputFilename, jobId } of jobs) {
      const job = await world.waitForJob(jobId, (j) => j.status !== 'PENDING' && j.status !== 'PROCESSING', 60_000);
      assert.equal(job.status, 'COMPLETED', `${presetId}: ${job.errorMessage}`);
      assert.equal(job.outputPath, outputFilename);
      const asset = await world.asset(job.outputAssetId);
      assert.equal(asset.status, 'READY', presetId);
      assert.equal(asset.root, 'out');
      assert.equal(asset.filePath, outputFilename);
      assert.equal(asset.sourceJobId, jobId);
      assert.deepEqual([asset.probe?.videoCodec, asset.probe?.audioCodec], PRESET_CODECS[presetId], presetId);
      const streams = await probeStreams(join(world.mediaOut, outputFilename));
      assert.deepEqual(
        streams.streams.map((s) => s.codec_name),
        PRESET_CODECS[presetId].filter(Boolean),
        presetId,
      );
    }
    assert.deepEqual(await world.outputFiles(), jobs.map((j) => j.outputFilename).sort(), 'only the outputs, no temporary files');
  });

  it('trims frame-accurately when re-encoding (within one frame of the range)', async () => {
    const jobId = await world.createAndEnqueue(clip, { presetId: 'builtin-h264-720p', outputFilename: 'trim/clip.mp4', trimStart: 0.4, trimEnd: 1.6 });
    const job = await world.waitForStatus(jobId, 'COMPLETED');
    const probe = await probeStreams(join(world.mediaOut, job.outputPath));
    const video = probe.streams.find((s) => s.codec_type === 'video');
    assert.ok(Math.abs(Number(video?.duration) - 1.2) <= 1 / 25, `video lasts ${video?.duration} s`);
    assert.equal(Number(video?.nb_frames), 30);
    assert.ok(Math.abs(probe.duration - 1.2) <= 0.1, `file lasts ${probe.duration} s`);
  });

  it('publishes progress all through an encode (target twice a second), and milestones to the log', async () => {
    const jobId = await world.createJob(long, { presetId: 'builtin-vp9-720p', outputFilename: 'progress/long.webm' });
    const progress = world.watchProgress(jobId);
    await world.enqueue(jobId);
    await world.waitForStatus(jobId, 'COMPLETED', 60_000);
    progress.stop();

    const during = progress.samples.filter((s) => s.percent < 100);
    assert.ok(during.length >= 4, `${during.length} progress messages`);
    // The target, twice a second, is measured by bench/cancel-latency; a gap of 5× that would mean progress stalled, not a busy machine.
    const gaps = during.slice(1).map((sample, i) => sample.at - during[i].at);
    assert.ok(Math.max(...gaps) <= 2_500, `largest gap between progress messages ${Math.max(...gaps)} ms`);
    assert.equal(progress.samples.at(-1)?.percent, 100);
    assert.ok(
      during.every((s, i) => i === 0 || s.percent >= during[i - 1].percent),
      'percent never goes back',
    );
    assert.ok(
      during.some((s) => s.speed > 0 && s.fps > 0 && s.etaSeconds > 0 && s.currentTime > 0),
      'speed, fps, eta and time reported',
    );
    assert.ok(during.every((s) => s.attempt === 1));

    const milestones = eventsOf(await world.jobEvents(jobId), 'JobProgressed').map((e) => (e.event.value as { percent: number }).percent);
    assert.ok(milestones.length >= 5, `milestones ${milestones}`);
    assert.ok(
      milestones.every((p, i) => p % 10 === 0 && p > 0 && (i === 0 || p > milestones[i - 1])),
      `milestones ${milestones}`,
    );
  });

  it('cancels mid-encode: ffmpeg gone promptly (target 1 s), no file left, nothing appended after the cancel', async () => {
    const jobId = await world.startEncode(long, { presetId: 'builtin-vp9-720p', outputFilename: 'cancel/long.webm' }, 5);
    assert.ok((await ffmpegProcesses(jobId)).length > 0, 'ffmpeg runs');
    assert.ok(
      (await world.outputFiles()).some((f) => f.startsWith('cancel/.long.webm.')),
      'a temporary file is being written',
    );

    const cancelledBefore = await outcomeCount(transcoder, 'cancelled');
    const cancelledAt = Date.now();
    await handleCommand(world.store, { type: 'job', id: jobId }, jobDecider, { type: 'CancelJob', jobId, reason: 'test' });
    // The target is 1 s (measured by bench/cancel-latency); 5 s here keeps a loaded machine from failing a working cancel.
    await until('ffmpeg to exit', async () => (await ffmpegProcesses(jobId)).length === 0, 5_000, 10);
    const stoppedAfter = Date.now() - cancelledAt;
    await queueDrained(world);
    assert.deepEqual(
      (await world.outputFiles()).filter((f) => f.startsWith('cancel/')),
      [],
    );
    const events = await world.jobEvents(jobId);
    assert.equal(events.at(-1)?.type, 'JobCancelled');
    assert.equal((await world.job(jobId)).status, 'CANCELLED');
    assert.ok(stoppedAfter <= 5_000, `ffmpeg stopped ${stoppedAfter} ms after the cancel`);
    assert.equal(await countedSince(transcoder, 'cancelled', cancelledBefore, 1), 1, 'the cancel counted on /metrics');
  });

  it("fails a corrupt input at once, for good, with ffmpeg's reason", async () => {
    // It probed fine when registered; now only its first 2 KB are left (the index at its end is gone).
    await writeFile(corrupt.path, (await readFile(corrupt.path)).subarray(0, 2048));
    const queuedAt = Date.now();
    const jobId = await world.createAndEnqueue(corrupt.assetId, { presetId: 'builtin-h264-720p', outputFilename: 'broken/out.mp4' });
    const job = await world.waitForStatus(jobId, 'FAILED', 15_000);
    // At once means on the first attempt, not after retries and backoffs (seconds each); 5 s leaves room for a loaded machine.
    assert.ok(Date.now() - queuedAt < 5_000, `failed after ${Date.now() - queuedAt} ms`);
    assert.equal(job.retryable, false);
    assert.match(job.errorMessage, /moov atom not found/);
    assert.match(job.errorMessage, /^in\/broken\.mp4: Invalid data found when processing input$/m, 'the file named by its path in MEDIA_IN');
    assert.doesNotMatch(job.errorMessage, /(?:^|[\s'"(])\/\w|file:|\.part\b/m, 'no host paths');
    await queueDrained(world);
    assert.equal(eventsOf(await world.jobEvents(jobId), 'JobStarted').length, 1, 'ffmpeg failures are not handed to another replica');
    assert.deepEqual(
      (await world.outputFiles()).filter((f) => f.startsWith('broken/')),
      [],
    );
  });

  it('fails a job whose source file disappeared, for good, naming the file', async () => {
    const source = await makeVideo(join(world.mediaIn, 'gone.mp4'));
    const assetId = await world.registerSource(source);
    await unlink(source);
    const jobId = await world.createAndEnqueue(assetId, { presetId: 'builtin-h264-720p', outputFilename: 'gone/out.mp4' });
    const job = await world.waitForStatus(jobId, 'FAILED');
    assert.equal(job.retryable, false);
    assert.match(job.errorMessage, /source file gone\.mp4 is missing/);
  });

  it('acknowledges and drops an item whose job already ended, or whose attempt is not the current one', async () => {
    // Its own ended jobs, by commands alone (no encode): one completed, one failed and retried by hand, so it is
    // PENDING on attempt 2 while an item for attempt 1 comes back.
    const [done, failed] = await Promise.all(
      ['dropped/done.mp4', 'dropped/failed.mp4'].map((outputFilename) => world.createJob(tiny, { presetId: 'builtin-h264-720p', outputFilename })),
    );
    for (const jobId of [done, failed]) {
      await handleCommand(world.store, { type: 'job', id: jobId }, jobDecider, {
        type: 'StartJob',
        jobId,
        workerId: 'elsewhere-1-0',
        executor: Executor.LOCAL,
      });
    }
    await handleCommand(world.store, { type: 'job', id: done }, jobDecider, {
      type: 'CompleteJob',
      jobId: done,
      attempt: 1,
      outputPath: 'dropped/done.mp4',
      outputAssetId: '',
    });
    await handleCommand(world.store, { type: 'job', id: failed }, jobDecider, {
      type: 'FailJob',
      jobId: failed,
      attempt: 1,
      errorMessage: 'test',
      retryable: false,
    });
    await handleCommand(world.store, { type: 'job', id: failed }, jobDecider, { type: 'RetryJob', jobId: failed, automatic: false });
    const before = await Promise.all([done, failed].map((id) => world.jobEvents(id)));
    const droppedBefore = await outcomeCount(transcoder, 'dropped');
    await publishRawItem(world, done, 1);
    await publishRawItem(world, failed, 1);
    await queueDrained(world);
    const afterwards = await Promise.all([done, failed].map((id) => world.jobEvents(id)));
    assert.deepEqual(
      afterwards.map((e) => e.length),
      before.map((e) => e.length),
      'no new events',
    );
    assert.equal(await countedSince(transcoder, 'dropped', droppedBefore, 2), 2);
    const retried: JobState = await world.job(failed);
    assert.deepEqual([retried.status, retried.attempt], ['PENDING', 2]);
  });

  it('drops a first delivery of an attempt another worker runs (a duplicate item), leaving that attempt alone', async () => {
    const jobId = await world.createJob(tiny, { presetId: 'builtin-h264-720p', outputFilename: 'duplicate/tiny.mp4' });
    await handleCommand(world.store, { type: 'job', id: jobId }, jobDecider, { type: 'StartJob', jobId, workerId: 'elsewhere-1-0', executor: Executor.LOCAL });
    const before = await world.jobEvents(jobId);
    const droppedBefore = await outcomeCount(transcoder, 'dropped');
    // Not a redelivery: a second item for the same attempt, as if queued again after the dedupe window.
    await world.enqueue(jobId);
    await queueDrained(world);
    assert.equal((await world.jobEvents(jobId)).length, before.length, 'no new events');
    const job = await world.job(jobId);
    assert.deepEqual([job.status, job.workerId], ['PROCESSING', 'elsewhere-1-0']);
    assert.equal(await countedSince(transcoder, 'dropped', droppedBefore, 1), 1);
  });

  it("writes a second job's output next to another job's file of the same name, never over it", async () => {
    const first = await world.createAndEnqueue(tiny, { presetId: 'builtin-mp3-192k', outputFilename: 'same/tiny.mp3' });
    await world.waitForStatus(first, 'COMPLETED');
    const second = await world.createAndEnqueue(tiny, { presetId: 'builtin-mp3-192k', outputFilename: 'same/tiny.mp3' });
    const job = await world.waitForStatus(second, 'COMPLETED');
    assert.equal(job.outputPath, `same/tiny-${second.slice(0, 8)}.mp3`);
    assert.equal((await world.asset(job.outputAssetId)).sourceJobId, second);
    assert.deepEqual(
      (await world.outputFiles()).filter((f) => f.startsWith('same/')),
      [`same/tiny-${second.slice(0, 8)}.mp3`, 'same/tiny.mp3'].sort(),
    );
  });

  it('exposes outcomes, durations, queue wait, speed, backlog and running encodes on /metrics', async () => {
    // Counted from the job this test runs, so it holds alone and after any other test; the cancelled and dropped
    // outcomes are counted by the tests that cause them.
    const series: Array<[string, string]> = [
      ['mpr_transcode_jobs_total', 'outcome="completed"'],
      ['mpr_job_duration_seconds_count', 'outcome="completed"'],
      ['mpr_job_queue_wait_seconds_count', ''],
      ['mpr_ffmpeg_speed_count', ''],
      ['mpr_ffmpeg_start_latency_seconds_count', ''],
    ];
    const read = (text: string) => series.map(([name, label]) => metricOrZero(text, name, label));
    const before = read(await scrape(transcoder));
    const jobId = await world.createAndEnqueue(clip, { presetId: 'builtin-h264-720p', outputFilename: 'metrics/clip.mp4' });
    await world.waitForStatus(jobId, 'COMPLETED');
    await queueDrained(world);
    await countedSince(transcoder, 'completed', before[0], 1);

    const text = await scrape(transcoder);
    assert.deepEqual(
      read(text).map((value, i) => value - before[i]),
      series.map(() => 1),
      `one more of each of ${series.map(([name, label]) => `${name}{${label}}`).join(', ')}`,
    );
    for (const cls of ['high', 'normal', 'low']) assert.equal(metric(text, 'mpr_work_pending', `class="${cls}"`), 0);
    assert.equal(metric(text, 'mpr_transcode_running'), 0);
  });
});

describe('transcoder (in process, 1 slot)', () => {
  let world: TranscoderWorld;
  let tiny: string;
  /** 4 s, 640x360 at 25 fps: VP9 keeps the slot busy for a while. */
  let busy: string;
  let transcoder: RunningService;
  const settings = { MPR_TRANSCODE_CONCURRENCY: '1', MPR_WORK_ACK_WAIT_SECONDS: '2' };

  before(async () => {
    world = await TranscoderWorld.create();
    const [tinyPath, busyPath] = await Promise.all([
      makeVideo(join(world.mediaIn, 'tiny.mp4')),
      makeVideo(join(world.mediaIn, 'busy.mp4'), { seconds: 4, width: 640, height: 360, fps: 25 }),
      world.seedPresets(),
    ]);
    [tiny, busy] = await Promise.all([tinyPath, busyPath].map((p) => world.registerSource(p)));
    transcoder = await world.startTranscoder(settings);
  });

  after(() => world.cleanup());

  it('starts an item on an idle transcoder without delay', async () => {
    const jobId = await world.createJob(tiny, { presetId: 'builtin-aac-192k', outputFilename: 'idle.m4a' });
    const queuedAt = Date.now();
    await world.enqueue(jobId);
    await world.waitForStatus(jobId, 'COMPLETED');
    const started = eventsOf(await world.jobEvents(jobId), 'JobStarted')[0];
    const waited = started.occurredAt.getTime() - queuedAt;
    // Immediate on an idle transcoder; 2.5 s is far above any start under load yet below a missed wake-up (the next 5 s pull).
    assert.ok(waited < 2_500, `JobStarted ${waited} ms after the item was queued`);
  });

  it('with its slot busy, starts queued items high, normal, low, whatever order they came in', async () => {
    const blocker = await world.createJob(busy, { presetId: 'builtin-vp9-720p', outputFilename: 'busy.webm' });
    const classes: Array<[string, Priority]> = [
      ['low', Priority.LOW],
      ['normal', Priority.NORMAL],
      ['high', Priority.HIGH],
    ];
    const queued = await Promise.all(
      classes.map(async ([name, priority]) => ({
        name,
        priority,
        jobId: await world.createJob(tiny, { presetId: 'builtin-aac-192k', outputFilename: `${name}.m4a`, priority }),
      })),
    );
    await world.enqueue(blocker);
    await world.waitForStatus(blocker, 'PROCESSING');
    for (const { jobId, priority } of queued) await world.enqueue(jobId, 1, priority);

    await world.waitForStatus(blocker, 'COMPLETED', 30_000);
    const startedAt = new Map<string, number>();
    for (const { name, jobId } of queued) {
      await world.waitForStatus(jobId, 'COMPLETED');
      startedAt.set(name, eventsOf(await world.jobEvents(jobId), 'JobStarted')[0].sequence);
    }
    assert.deepEqual(
      [...startedAt.entries()].sort((a, b) => a[1] - b[1]).map(([name]) => name),
      ['high', 'normal', 'low'],
    );
  });

  it('on shutdown stops its encode, removes the temporary file and hands the item to the next replica', async () => {
    const jobId = await world.startEncode(busy, { presetId: 'builtin-vp9-720p', outputFilename: 'shutdown/busy.webm' });

    await world.stopTranscoder(transcoder);
    assert.deepEqual(await ffmpegProcesses(jobId), []);
    assert.deepEqual(
      (await world.outputFiles()).filter((f) => f.startsWith('shutdown/')),
      [],
    );
    assert.equal((await world.job(jobId)).status, 'PROCESSING', 'the stopping replica appends nothing');
    assert.deepEqual(await world.queueState('normal'), { pending: 0, unacknowledged: 1 }, 'the item is back in the queue');

    // The next replica takes the item back (a pull within one safety tick) and sees its worker gone.
    transcoder = await world.startTranscoder(settings);
    const failed = await world.waitForStatus(jobId, 'FAILED', 10_000);
    assert.deepEqual([failed.retryable, failed.errorMessage], [true, 'worker lost during attempt 1']);
    // The count comes just after the FAILED event's append: read it until it shows (it was a flake under load).
    assert.equal(await countedSince(transcoder, 'lost', 0, 1), 1);

    // The scheduler's part: an automatic retry, and the new attempt queued; it overwrites nothing and completes.
    await handleCommand(world.store, { type: 'job', id: jobId }, jobDecider, { type: 'RetryJob', jobId, automatic: true });
    await world.enqueue(jobId, 2);
    const job = await world.waitForStatus(jobId, 'COMPLETED', 30_000);
    assert.equal(job.attempt, 2);
    assert.deepEqual(
      (await world.outputFiles()).filter((f) => f.startsWith('shutdown/')),
      ['shutdown/busy.webm'],
    );
  });
});
