import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { enqueueChunkJob, handleCommand, jobDecider, type JobState } from '@mpr/core';
import { makeAudio, makeUnevenStreams, makeVideo } from '@mpr/core/testing/media-fixtures';
import { startApi, type ApiHarness } from './api-harness';
import { outputFacts, TranscoderWorld } from './transcoder-harness';

/**
 * Sources whose streams end apart ([M5] 1): the container lasts as its
 * longest stream, the output of each kept stream as that stream. Every job
 * on them completes with a verified output, single pass and chunked.
 */
const UNEVEN = {
  // 166 frames at 30 fps (5.533 s) under 5.568 s of audio, as a phone writes them.
  // From 0.4 s (the trimmed jobs) 12 frames fewer.
  mp4: { frames: 166, fps: 30, audioSeconds: 5.568, videoEnd: 5.533, outputFrames: 166, trimmedFrames: 154 },
  mov: { frames: 166, fps: 30, audioSeconds: 5.568, outputFrames: 166, trimmedFrames: 154 },
  webm: { frames: 166, fps: 30, audioSeconds: 5.568, outputFrames: 166, trimmedFrames: 154 },
  // MP3 audio of 1.128 s (1.152 s in whole MP3 frames) beside MPEG-4 Part 2 video. Debian's ffmpeg 5.1 writes
  // the 40 frames with a hole at 0.04 s, so they span 1.64 s; an encode keeps the 40 as they are (-fps_mode vfr),
  // and the 31 from 0.4 s on.
  avi: { frames: 40, fps: 25, audioSeconds: 1.128, videoEnd: 1.64, outputFrames: 40, trimmedFrames: 31 },
} as const;
type Kind = keyof typeof UNEVEN;
const KINDS = Object.keys(UNEVEN) as Kind[];

const finished = (job: JobState) => job.status === 'COMPLETED' || job.status === 'FAILED';

describe('sources whose audio and video end apart (transcoder and chunker)', () => {
  let world: TranscoderWorld;
  const assets = {} as Record<Kind, string>;
  let tinyWav: string;

  before(async () => {
    world = await TranscoderWorld.create();
    const [paths] = await Promise.all([
      Promise.all(KINDS.map((kind) => makeUnevenStreams(join(world.mediaIn, `uneven.${kind}`), UNEVEN[kind]))),
      world.seedPresets(),
    ]);
    const ids = await Promise.all(paths.map((path) => world.registerSource(path)));
    KINDS.forEach((kind, i) => (assets[kind] = ids[i]));
    tinyWav = await world.registerSource(await makeAudio(join(world.mediaIn, 'tiny.wav'), 0.1));
    await Promise.all([world.startTranscoder({ MPR_TRANSCODE_CONCURRENCY: '2' }), world.startChunker()]);
  });

  after(async () => {
    await world?.cleanup();
  });

  it('probes where each stream ends, not only where the container does', async () => {
    const mp4 = (await world.asset(assets.mp4)).probe;
    assert.ok(Math.abs(Number(mp4?.videoEnd) - UNEVEN.mp4.videoEnd) < 0.001, `video ends at ${mp4?.videoEnd}`);
    assert.ok(Math.abs(Number(mp4?.audioEnd) - 5.568) < 0.03, `audio ends at ${mp4?.audioEnd}`);
    assert.ok(Number(mp4?.duration) > Number(mp4?.videoEnd), 'the container lasts as its audio');
    const avi = (await world.asset(assets.avi)).probe;
    assert.ok(Math.abs(Number(avi?.videoEnd) - UNEVEN.avi.videoEnd) < 0.001, `video ends at ${avi?.videoEnd}`);
    assert.equal(avi?.audioEnd, 1.152);
    assert.ok(Math.abs(Number(avi?.duration) - UNEVEN.avi.videoEnd) < 0.001, 'the container lasts as its video');
  });

  for (const kind of KINDS) {
    it(`single pass (${kind}): H.264 keeps every frame of the video, MP3 lasts as the audio, whole and trimmed`, { timeout: 120_000 }, async () => {
      const { outputFrames, fps } = UNEVEN[kind];
      const jobs = await Promise.all([
        world.createAndEnqueue(assets[kind], { presetId: 'builtin-h264-720p', outputFilename: `single/${kind}.mp4` }),
        world.createAndEnqueue(assets[kind], { presetId: 'builtin-mp3-192k', outputFilename: `single/${kind}.mp3` }),
        world.createAndEnqueue(assets[kind], { presetId: 'builtin-aac-192k', outputFilename: `single/${kind}-trim.m4a`, trimStart: 0.2 }),
      ]);
      const done = await Promise.all(jobs.map((id) => world.waitForJob(id, finished, 90_000)));
      for (const job of done) assert.equal(job.status, 'COMPLETED', `${job.outputPath}: ${job.errorMessage}`);
      const video = await outputFacts(join(world.mediaOut, done[0].outputPath));
      assert.equal(video.videoFrames, outputFrames);
      const audio = await outputFacts(join(world.mediaOut, done[1].outputPath));
      const audioEnd = Number((await world.asset(assets[kind])).probe?.audioEnd);
      assert.ok(Math.abs(audio.duration - audioEnd) <= 0.1, `MP3 lasts ${audio.duration} s, the source's audio ${audioEnd} s (video ${outputFrames / fps} s)`);
    });

    it(`chunked (${kind}): the stitched output is verified against what the streams hold, whole and trimmed`, { timeout: 120_000 }, async () => {
      const { outputFrames, trimmedFrames } = UNEVEN[kind];
      const whole = await createChunked(assets[kind], { outputFilename: `chunked/${kind}.mp4`, chunkDuration: 2 });
      const trimmed = await createChunked(assets[kind], { outputFilename: `chunked/${kind}-trim.mp4`, chunkDuration: 2, trimStart: 0.4 });
      for (const jobId of [whole, trimmed])
        await enqueueChunkJob(world.js, world.streams.names, { jobId, attempt: 1, priority: Priority.NORMAL, queuedAt: new Date() });
      const done = await Promise.all([whole, trimmed].map((id) => world.waitForJob(id, finished, 90_000)));
      for (const job of done) assert.equal(job.status, 'COMPLETED', `${job.outputPath}: ${job.errorMessage}`);
      const [wholeFrames, trimmedOutputFrames] = await Promise.all(
        done.map(async (job) => (await outputFacts(join(world.mediaOut, job.outputPath))).videoFrames ?? 0),
      );
      assert.equal(wholeFrames, outputFrames);
      assert.equal(trimmedOutputFrames, trimmedFrames);
    });
  }

  it('a 60 ms trim of a 0.1 s WAV completes with every audio preset', { timeout: 60_000 }, async () => {
    const presets = { 'builtin-mp3-192k': 'mp3', 'builtin-aac-192k': 'm4a', 'builtin-opus-128k': 'ogg', 'builtin-flac': 'flac' };
    const jobs = await Promise.all(
      Object.entries(presets).map(([presetId, ext]) =>
        world.createAndEnqueue(tinyWav, { presetId, outputFilename: `tiny/${presetId}.${ext}`, trimStart: 0.02, trimEnd: 0.08 }),
      ),
    );
    const done = await Promise.all(jobs.map((id) => world.waitForJob(id, finished, 45_000)));
    for (const job of done) assert.equal(job.status, 'COMPLETED', `${job.outputPath}: ${job.errorMessage}`);
  });

  async function createChunked(sourceAssetId: string, fields: { outputFilename: string; trimStart?: number; chunkDuration?: number }): Promise<string> {
    const jobId = randomUUID();
    await handleCommand(world.store, { type: 'job', id: jobId }, jobDecider, {
      type: 'CreateJob',
      jobId,
      sourceAssetId,
      presetId: 'builtin-h264-720p',
      ...fields,
      executor: Executor.LOCAL,
      chunked: true,
      priority: Priority.NORMAL,
    });
    return jobId;
  }
});

describe('createJob refuses what the probe shows cannot work (API)', () => {
  let h: ApiHarness;
  const ids: Record<string, string> = {};

  before(async () => {
    h = await startApi();
    await Promise.all([
      makeVideo(join(h.mediaIn, 'silent.mp4'), { audio: false }),
      makeUnevenStreams(join(h.mediaIn, 'uneven.avi'), UNEVEN.avi),
      makeAudio(join(h.mediaIn, 'tiny.wav'), 0.1),
    ]);
    await h.graphql('mutation { scanMediaFolder { found } }');
    const { data } = await h.graphql('query { assets(status: "ready") { id filePath } }');
    for (const asset of data!.assets as { id: string; filePath: string }[]) ids[asset.filePath] = asset.id;
    assert.deepEqual(Object.keys(ids).sort(), ['silent.mp4', 'tiny.wav', 'uneven.avi']);
  });

  after(async () => {
    await h?.stop();
  });

  async function createJob(file: string, presetId: string, trim = ''): Promise<{ code?: string; message?: string; id?: string }> {
    const { data, errors } = await h.graphql(`mutation { createJob(input: { sourceAssetId: "${ids[file]}", presetId: "${presetId}"${trim} }) { id } }`);
    return {
      code: errors?.[0]?.extensions?.code as string | undefined,
      message: errors?.[0]?.message as string | undefined,
      id: data?.createJob?.id as string | undefined,
    };
  }

  it('refuses an audio preset on a video-only source and a video preset on an audio-only one, naming why, and creates no job', async () => {
    for (const [file, presetId, reason] of [
      ['silent.mp4', 'builtin-mp3-192k', 'preset "MP3 192k" makes audio, but the source has video only: the output would be empty'],
      [
        'tiny.wav',
        'builtin-h264-720p',
        'preset "H.264 720p" makes video, but the source has audio only: the output would have no picture; use an audio preset',
      ],
    ]) {
      const refused = await createJob(file, presetId);
      assert.equal(refused.code, 'BAD_USER_INPUT', file);
      assert.equal(refused.message, reason);
    }
    const { data } = await h.graphql('query { jobs { id } }');
    assert.deepEqual(data!.jobs, []);
  });

  it('refuses an audio preset on a range after the audio has ended, and a trim past the source', async () => {
    const pastAudio = await createJob('uneven.avi', 'builtin-mp3-192k', ', trimStart: 1.4');
    assert.equal(pastAudio.code, 'BAD_USER_INPUT');
    assert.equal(pastAudio.message, "the range 1.4–1.64 s holds no audio (the source's audio lies in 0–1.152 s)");
    const pastEnd = await createJob('tiny.wav', 'builtin-flac', ', trimStart: 0.2');
    assert.equal(pastEnd.code, 'BAD_USER_INPUT');
    assert.match(pastEnd.message ?? '', /^trimStart 0\.2s is not before the end of the source \(0\.1\d*s\)$/);
    const { data } = await h.graphql('query { jobs { id } }');
    assert.deepEqual(data!.jobs, []);
  });

  it('accepts what can work: a video preset on the same range (video only), a 60 ms trim of a 0.1 s WAV, its remux', async () => {
    assert.ok((await createJob('uneven.avi', 'builtin-h264-720p', ', trimStart: 1.4')).id);
    assert.ok((await createJob('tiny.wav', 'builtin-flac', ', trimStart: 0.02, trimEnd: 0.08')).id);
    assert.ok((await createJob('tiny.wav', 'builtin-remux')).id);
  });
});
