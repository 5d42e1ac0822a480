import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { chunkConsumerName, enqueueChunkJob, handleCommand, jobDecider, loadConfig, type RunningService, startService } from '@mpr/core';
import { chunkerService } from '../../services/chunker/src/chunker.service-definition';
import { eventsOf, ffmpegProcesses, makeKeyframedSource, outputFacts, processesMatching, TranscoderWorld, until, untilGone } from './transcoder-harness';

const run = promisify(execFile);
const FPS = 25;
const PRESET = 'builtin-h264-720p';

interface TelemetryEvent {
  subject: string;
  body: Record<string, unknown>;
}

describe('chunker (in process, 2 segment workers)', () => {
  let world: TranscoderWorld;
  let chunker: RunningService;
  let short: string;
  let long: string;
  let shortMkv: string;
  let lateMkv: string;

  before(async () => {
    world = await TranscoderWorld.create();
    const [shortPath, longPath, mkvPath, latePath] = await Promise.all([
      makeKeyframedSource(join(world.mediaIn, 'short.mp4'), { seconds: 6, fps: FPS, size: '320x240' }),
      makeKeyframedSource(join(world.mediaIn, 'long.mp4'), { seconds: 30, fps: FPS, size: '1280x720' }),
      // Matroska: the segments are cut from pieces of a split (an MP4's segments seek into the source).
      makeKeyframedSource(join(world.mediaIn, 'short.mkv'), { seconds: 6, fps: FPS, size: '320x240' }),
      // A clock starting at 1.4 s: ffmpeg declares 7.4 s for its 6 s (its last timestamp).
      makeKeyframedSource(join(world.mediaIn, 'late.mkv'), { seconds: 6, fps: FPS, size: '320x240', output: ['-output_ts_offset', '1.4'] }),
      world.seedPresets(),
    ]);
    [short, long, shortMkv, lateMkv] = await Promise.all([
      world.registerSource(shortPath),
      world.registerSource(longPath),
      world.registerSource(mkvPath),
      world.registerSource(latePath),
    ]);
    await world.startTranscoder({ MPR_TRANSCODE_CONCURRENCY: '2' });
    chunker = await startService(
      chunkerService,
      // Two cores whatever the machine has: the workers cover them, so the audio is a queued item.
      loadConfig(world.env({ MPR_CHUNKER_PORT: '0', MPR_CHUNK_WORKERS: '2', MPR_CHUNK_CORES: '2', MPR_LOG_LEVEL: 'warn' })),
    );
  });

  after(async () => {
    await chunker?.app.close();
    await world.cleanup();
  });

  async function createChunked(
    sourceAssetId: string,
    fields: { outputFilename: string; trimStart?: number; trimEnd?: number; chunkDuration?: number },
  ): Promise<string> {
    const jobId = randomUUID();
    await handleCommand(world.store, { type: 'job', id: jobId }, jobDecider, {
      type: 'CreateJob',
      jobId,
      sourceAssetId,
      presetId: PRESET,
      ...fields,
      executor: Executor.LOCAL,
      chunked: true,
      priority: Priority.NORMAL,
    });
    return jobId;
  }

  function watchTelemetry(jobId: string): { events: TelemetryEvent[]; stop(): void } {
    const events: TelemetryEvent[] = [];
    const sub = world.streams.nc.subscribe(world.streams.names.telemetrySubject('chunker', jobId, '>'), {
      callback: (_err, msg) => {
        events.push({ subject: msg.subject, body: JSON.parse(msg.string()) as Record<string, unknown> });
      },
    });
    return { events, stop: () => sub.unsubscribe() };
  }

  const segmentEvents = (events: TelemetryEvent[], event: string) => events.filter((e) => e.subject.endsWith(`.${event}`) && e.subject.includes('.segment.'));

  const KIND = {
    mp4: 'MP4: segments seek into the source',
    mkv: 'Matroska: split into pieces',
    late: 'Matroska declaring 7.4 s for 6 s: planned to where its video ends',
  };
  for (const [kind, trim] of [
    ['mp4', {}],
    ['mp4', { trimStart: 0.52, trimEnd: 5.2 }],
    ['mkv', { trimStart: 0.52, trimEnd: 5.2 }],
    ['late', {}],
  ] as const) {
    it(`a chunked job's output has the single pass's frames and duration, within one frame (${KIND[kind]}, ${JSON.stringify(trim)})`, async () => {
      const tag = `${kind}-${'trimStart' in trim ? 'trim' : 'whole'}`;
      const source = { mp4: short, mkv: shortMkv, late: lateMkv }[kind];
      const jobId = await createChunked(source, { outputFilename: `chunked-${tag}.mp4`, chunkDuration: 2, ...trim });
      const telemetry = watchTelemetry(jobId);
      const progress = world.watchProgress(jobId);
      await enqueueChunkJob(world.js, world.streams.names, { jobId, attempt: 1, priority: Priority.NORMAL, queuedAt: new Date() });
      const single = await world.createAndEnqueue(source, { presetId: PRESET, outputFilename: `single-${tag}.mp4`, ...trim });
      const [chunkedJob, singleJob] = await Promise.all([world.waitForStatus(jobId, 'COMPLETED', 60_000), world.waitForStatus(single, 'COMPLETED', 60_000)]);
      telemetry.stop();
      progress.stop();

      const [chunked, reference] = await Promise.all([
        outputFacts(join(world.mediaOut, chunkedJob.outputPath)),
        outputFacts(join(world.mediaOut, singleJob.outputPath)),
      ]);
      assert.ok(chunked.videoFrames !== undefined && reference.videoFrames !== undefined);
      assert.ok(Math.abs(chunked.videoFrames - reference.videoFrames) <= 1, `frames ${chunked.videoFrames} vs ${reference.videoFrames}`);
      assert.ok(Math.abs(chunked.duration - reference.duration) <= 1 / FPS, `duration ${chunked.duration} vs ${reference.duration}`);

      // Published like a transcoder's output: an asset of the job, nothing left of the work directory.
      assert.equal(chunkedJob.outputPath, `chunked-${tag}.mp4`);
      const asset = await world.asset(chunkedJob.outputAssetId);
      assert.equal(asset.sourceJobId, jobId);
      assert.equal(asset.status, 'READY');
      // The asset's probe comes from the verification's own ffprobe.
      assert.equal(asset.probe?.videoCodec, 'h264');
      assert.equal(asset.probe?.audioCodec, 'aac');
      assert.ok(Math.abs(Number(asset.probe?.duration) - chunked.duration) < 0.001, `asset duration ${asset.probe?.duration} vs ${chunked.duration}`);
      assert.deepEqual(
        (await world.outputFiles()).filter((f) => f.includes(jobId)),
        [],
      );

      // Aggregate progress on the job's progress subject, ending at 100.
      assert.ok(progress.samples.length >= 2, `${progress.samples.length} progress samples`);
      assert.equal(progress.samples.at(-1)?.percent, 100);
      const gaps = progress.samples.slice(1).map((sample, i) => sample.at - progress.samples[i].at);
      // The target, every 500 ms (tick 250 ms), is measured by bench/cancel-latency; 5× that would mean progress stalled, not a busy machine.
      assert.ok(Math.max(...gaps) <= 2_500, `progress all through the job, largest gap ${Math.max(...gaps)} ms`);
      // Per-segment pipeline telemetry: each segment queued, started and done once, by a named worker.
      const queued = segmentEvents(telemetry.events, 'queued');
      const done = segmentEvents(telemetry.events, 'done');
      assert.ok(queued.length >= 2, `${queued.length} segments queued`);
      assert.equal(done.length, queued.length);
      for (const e of done) assert.match(String(e.body.workerId), /-w\d+$/);
      assert.ok(telemetry.events.some((e) => e.subject.endsWith('.verified')));
      // Only the Matroska sources are split first.
      const planned = telemetry.events.find((e) => e.subject.endsWith('.planned'))?.body;
      assert.equal(planned?.split, kind !== 'mp4');
      assert.equal(
        telemetry.events.some((e) => e.subject.endsWith('.split')),
        kind !== 'mp4',
      );
      if (kind === 'late') {
        // The plan ends where the media does (6 s and the AAC priming, within a frame), not at the declared 7.4 s.
        const segments = planned?.segments as Array<{ end: number }>;
        assert.ok(Math.abs(segments.at(-1)!.end - 6.021) < 1 / FPS, `planned to ${segments.at(-1)!.end} s`);
        assert.ok(Math.abs(chunked.duration - 6) < 2 / FPS, `output ${chunked.duration} s`);
      }
    });
  }

  it('the worker that took the queued audio ends with the others: the last two segments wait for the audio, then their boundary moves later, onto a keyframe, and the output keeps every frame', async () => {
    const jobId = await createChunked(long, { outputFilename: 'rebalanced.mp4' });
    const telemetry = watchTelemetry(jobId);
    const progress = world.watchProgress(jobId);
    await enqueueChunkJob(world.js, world.streams.names, { jobId, attempt: 1, priority: Priority.NORMAL, queuedAt: new Date() });
    // The move needs the audio done before any video segment. On a loaded machine an 8 s segment can win that race,
    // so the test decides it: the video encodes are paused (SIGSTOP) once they have reported their speed (a progress
    // message a second in: the coordinator needs 400 ms between an encode's first and latest report) and resumed
    // once the tail has moved.
    const videoEncodes = () => processesMatching((argv) => argv[0]?.endsWith('ffmpeg') && argv.some((a) => a.includes(jobId)) && argv.includes('-an'));
    const paused = new Set<number>();
    try {
      await until('a video segment to start', async () => (await videoEncodes()).length > 0, 60_000, 5);
      const since = Date.now();
      await until('a progress report a second into the running encode', () => progress.samples.some((p) => p.percent > 0 && p.at - since >= 1_000), 60_000, 5);
      for (const { pid } of await videoEncodes()) {
        process.kill(pid, 'SIGSTOP');
        paused.add(pid);
      }
      await until(
        'the tail to move while the video encodes are paused',
        () => {
          const held = telemetry.events.find((e) => /\.segment\.[23]\.queued$/.test(e.subject) || /\.segment\.\d+\.done$/.test(e.subject));
          if (held && !telemetry.events.some((e) => e.subject.endsWith('.rebalanced'))) throw new Error(`${held.subject} before any rebalanced event`);
          return telemetry.events.some((e) => e.subject.endsWith('.rebalanced'));
        },
        60_000,
      );
    } finally {
      for (const pid of paused) process.kill(pid, 'SIGCONT');
      progress.stop();
    }
    const job = await world.waitForStatus(jobId, 'COMPLETED', 90_000);
    telemetry.stop();

    const event = (suffix: string) => telemetry.events.findIndex((e) => e.subject.endsWith(suffix));
    const planned = telemetry.events[event('.planned')].body.segments as Array<{ start: number; end: number }>;
    // 30 s for this replica's 2 workers: 8, 8, 8 and 6 s; the audio (30 s of AAC) is usually done before an 8 s segment of 720p.
    assert.deepEqual(
      planned.map((s) => [s.start, s.end]),
      [
        [0, 8],
        [8, 16],
        [16, 24],
        [24, 30],
      ],
    );
    const moved = event('.rebalanced');
    assert.ok(moved >= 0, 'a rebalanced event');
    const { segments, lagSeconds, speed } = telemetry.events[moved].body as {
      segments: Array<{ start: number; end: number }>;
      lagSeconds: number;
      speed: number;
    };
    assert.ok(lagSeconds > 0 && speed > 0, `lag ${lagSeconds} s, speed ${speed}`);
    const boundary = segments[2].end;
    assert.deepEqual(
      segments.slice(0, 2),
      planned.slice(0, 2).map((s, index) => ({ ...s, index, duration: s.end - s.start })),
    );
    assert.equal(segments[3].start, boundary);
    assert.equal(segments[3].end, 30);
    // Later, by at most half the last segment, onto a keyframe (one a second in this source).
    assert.ok(boundary > 24 && boundary <= 27, `boundary moved to ${boundary} s`);
    assert.equal(boundary, Math.round(boundary));
    // The two were queued only then; the first two at once.
    for (const index of [2, 3]) assert.ok(event(`.segment.${index}.queued`) > moved, `segment ${index} queued after the move`);
    for (const index of [0, 1]) assert.ok(event(`.segment.${index}.queued`) < event(`.segment.2.queued`), `segment ${index} queued before the held two`);

    const output = await outputFacts(join(world.mediaOut, job.outputPath));
    assert.equal(output.videoFrames, 30 * FPS);
    assert.ok(Math.abs(output.duration - 30) <= 1 / FPS, `duration ${output.duration}`);
    assert.ok(telemetry.events.some((e) => e.subject.endsWith('.verified')));
  });

  it('a cancel stops every segment encode of the job promptly (target 1 s) and removes its work directory (a job without chunkDuration: segments sized for the workers there are)', async () => {
    const jobId = await createChunked(long, { outputFilename: 'cancelled.mp4' });
    const telemetry = watchTelemetry(jobId);
    await enqueueChunkJob(world.js, world.streams.names, { jobId, attempt: 1, priority: Priority.NORMAL, queuedAt: new Date() });
    await until(
      'segment encodes to run',
      async () => segmentEvents(telemetry.events, 'started').length >= 2 && (await ffmpegProcesses(jobId)).length >= 2,
      30_000,
    );
    // This replica's 2 workers are all there are: two segments each, 30 s / 4 → 8 s chunks (8, 8, 8, 6).
    const planned = telemetry.events.find((e) => e.subject.endsWith('.planned'))?.body;
    assert.equal(planned?.workers, 2);
    assert.equal(planned?.chunkDuration, 8);
    assert.equal((planned?.segments as unknown[]).length, 4);
    const cancelledAt = Date.now();
    await handleCommand(world.store, { type: 'job', id: jobId }, jobDecider, { type: 'CancelJob', jobId, reason: 'test' });
    // The target is 1 s (measured by bench/cancel-latency); 5 s here keeps a loaded machine from failing a working cancel.
    await until('every ffmpeg of the job to be gone', async () => (await ffmpegProcesses(jobId)).length === 0, 5_000);
    assert.ok(Date.now() - cancelledAt <= 5_000);
    const workDir = join(world.mediaOut, '.mpr-chunks', `${jobId}-a1`);
    await untilGone('the work directory to be removed', workDir, 3_000);
    telemetry.stop();
    assert.equal((await world.job(jobId)).status, 'CANCELLED');
    // Segments still queued are dropped by the workers, not encoded: once the queue is empty, none ran.
    await until('the workers to take and drop every queued segment', async () => {
      const { pending, unacknowledged } = await world.consumerState(chunkConsumerName('segment'));
      return pending + unacknowledged === 0;
    });
    assert.deepEqual(await ffmpegProcesses(jobId), []);
    await untilGone('the work directory to stay removed', workDir, 3_000);
  });

  it('a failed segment is retried alone, and the job still completes', async () => {
    const jobId = await createChunked(short, { outputFilename: 'retried.mp4', chunkDuration: 2 });
    const telemetry = watchTelemetry(jobId);
    const workDir = join(world.mediaOut, '.mpr-chunks', `${jobId}-a1`);
    // A directory where the last segment's first delivery writes: that encode cannot open its output.
    const blocker = join(workDir, 'segment-002.mkv.d1.part');
    await mkdir(blocker, { recursive: true });
    await enqueueChunkJob(world.js, world.streams.names, { jobId, attempt: 1, priority: Priority.NORMAL, queuedAt: new Date() });
    await until('segment 2 to fail', () => segmentEvents(telemetry.events, 'failed').length >= 1, 30_000);
    await rmdir(blocker);
    const job = await world.waitForStatus(jobId, 'COMPLETED', 60_000);
    telemetry.stop();
    const failed = segmentEvents(telemetry.events, 'failed');
    assert.deepEqual([...new Set(failed.map((e) => e.body.index))], [2]);
    const started = segmentEvents(telemetry.events, 'started');
    for (const index of [0, 1]) assert.equal(started.filter((e) => e.body.index === index).length, 1, `segment ${index} encoded once`);
    assert.ok(started.filter((e) => e.body.index === 2).length >= 2, 'segment 2 encoded again');
    const output = await outputFacts(join(world.mediaOut, job.outputPath));
    assert.equal(output.videoFrames, 6 * FPS);
  });

  it('one replica coordinates two chunked jobs at once (MPR_CHUNK_JOBS=2): both run together and complete verified', async () => {
    const jobs = await Promise.all(['together-a.mp4', 'together-b.mp4'].map((outputFilename) => createChunked(short, { outputFilename, chunkDuration: 2 })));
    const telemetry = jobs.map((jobId) => watchTelemetry(jobId));
    for (const jobId of jobs) await enqueueChunkJob(world.js, world.streams.names, { jobId, attempt: 1, priority: Priority.NORMAL, queuedAt: new Date() });
    const done = await Promise.all(jobs.map((jobId) => world.waitForStatus(jobId, 'COMPLETED', 60_000)));
    for (const t of telemetry) t.stop();
    // Both attempts started before either ended: the second did not wait for the first.
    const events = await Promise.all(jobs.map((jobId) => world.jobEvents(jobId)));
    const startedAt = events.map((e) => eventsOf(e, 'JobStarted')[0].sequence);
    const completedAt = events.map((e) => eventsOf(e, 'JobCompleted')[0].sequence);
    assert.ok(Math.max(...startedAt) < Math.min(...completedAt), `started ${startedAt}, completed ${completedAt}`);
    for (const [i, job] of done.entries()) {
      assert.equal((await outputFacts(join(world.mediaOut, job.outputPath))).videoFrames, 6 * FPS);
      assert.ok(telemetry[i].events.some((e) => e.subject.endsWith('.verified')));
    }
  });

  it('a segment encode or a split that hangs (reports nothing for MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS) fails the attempt as retryable and is stopped', async () => {
    // This test's own chunker: a 2 s stall timeout.
    await chunker.app.close();
    chunker = await startService(
      chunkerService,
      loadConfig(world.env({ MPR_CHUNKER_PORT: '0', MPR_CHUNK_WORKERS: '2', MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS: '2', MPR_LOG_LEVEL: 'error' })),
    );
    const jobId = await createChunked(short, { outputFilename: 'stuck.mp4', chunkDuration: 2 });
    const workDir = join(world.mediaOut, '.mpr-chunks', `${jobId}-a1`);
    // A named pipe where segment 1's first delivery writes: ffmpeg's open() waits for a reader forever.
    await mkdir(workDir, { recursive: true });
    await run('mkfifo', [join(workDir, 'segment-001.mkv.d1.part')]);
    await enqueueChunkJob(world.js, world.streams.names, { jobId, attempt: 1, priority: Priority.NORMAL, queuedAt: new Date() });
    const failed = await world.waitForStatus(jobId, 'FAILED', 30_000);
    assert.equal(failed.retryable, true);
    assert.match(failed.errorMessage, /^segment 1 reported nothing for 2 s: its encode is stuck$/);
    await until('the hung ffmpeg to be stopped', async () => (await ffmpegProcesses(jobId)).length === 0, 3_000);
    await untilGone('the work directory to be removed', workDir, 3_000);

    // The coordinator's own ffmpeg too: a split whose first piece cannot be opened.
    const splitJob = await createChunked(shortMkv, { outputFilename: 'stuck-split.mp4', chunkDuration: 2 });
    const splitDir = join(world.mediaOut, '.mpr-chunks', `${splitJob}-a1`);
    await mkdir(splitDir, { recursive: true });
    await run('mkfifo', [join(splitDir, 'piece-000.mkv')]);
    await enqueueChunkJob(world.js, world.streams.names, { jobId: splitJob, attempt: 1, priority: Priority.NORMAL, queuedAt: new Date() });
    const splitFailed = await world.waitForStatus(splitJob, 'FAILED', 30_000);
    assert.equal(splitFailed.retryable, true);
    assert.equal(splitFailed.errorMessage, 'ffmpeg (the split) reported nothing for 2 s: it is stuck');
    await until("the split's ffmpeg to be stopped", async () => (await ffmpegProcesses(splitJob)).length === 0, 3_000);
  });

  it('at start-up removes the work directories of ended jobs, and keeps those a retry may take over', async () => {
    const ended = await createChunked(short, { outputFilename: 'ended.mp4', chunkDuration: 2 });
    await handleCommand(world.store, { type: 'job', id: ended }, jobDecider, { type: 'CancelJob', jobId: ended });
    const waiting = await createChunked(short, { outputFilename: 'waiting.mp4', chunkDuration: 2 });
    const endedDir = join(world.mediaOut, '.mpr-chunks', `${ended}-a1`);
    const waitingDir = join(world.mediaOut, '.mpr-chunks', `${waiting}-a1`);
    for (const dir of [endedDir, waitingDir]) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'segment-000.mkv'), 'left by a lost attempt');
    }
    await chunker.app.close();
    chunker = await startService(chunkerService, loadConfig(world.env({ MPR_CHUNKER_PORT: '0', MPR_CHUNK_WORKERS: '2', MPR_LOG_LEVEL: 'warn' })));
    await untilGone("the ended job's work directory to be removed", endedDir, 5_000);
    assert.ok((await stat(join(waitingDir, 'segment-000.mkv'))).isFile(), "a pending job's directory stays");
  });
});
