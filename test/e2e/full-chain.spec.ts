import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makePlaylistTrap, makeVideo } from '@mpr/core/testing/media-fixtures';
import { PLATFORM_API_TOKEN, PlatformProcess } from '@mpr/core/testing/platform-process';
import { waitFor } from '@mpr/core/testing/wait-for';
import type { AssetFields, JobFields } from './graphql-rows';
import { makeKeyframedSource, probeStreams } from './transcoder-harness';

type Job = JobFields;
type Asset = Pick<AssetFields, 'id' | 'filePath' | 'root' | 'status' | 'videoCodec' | 'audioCodec' | 'height' | 'duration' | 'sourceJobId' | 'fileUrl'>;

const JOB_FIELDS = 'id status progress attempt errorMessage outputPath outputAssetId chunked';
const ASSET_FIELDS = 'id filePath root status videoCodec audioCodec height duration sourceJobId fileUrl { href }';
const PRESET = 'builtin-h264-720p';

/**
 * The whole chain as a user meets it: `node dist/services/all/main.js` (what
 * `npm start` runs), files dropped in MEDIA_IN, GraphQL to scan and create
 * jobs, the finished file in MEDIA_OUT and behind /media/out. Nothing here
 * plays a service; every step is the platform's own.
 */
describe('the platform end to end: GraphQL to a finished file', () => {
  let platform: PlatformProcess;
  const sources = new Map<string, string>();
  const secretPath = () => join(platform.media.path, 'secret.ts');

  before(async () => {
    platform = await PlatformProcess.start();
    await Promise.all([
      makeKeyframedSource(join(platform.mediaIn, 'clip.mp4'), { seconds: 4, fps: 10, size: '320x180' }),
      // Three segments of 5 s at chunkDuration 5: enough to split, encode apart and stitch.
      makeKeyframedSource(join(platform.mediaIn, 'long.mp4'), { seconds: 12, fps: 10, size: '320x180' }),
      // Long enough at 720p that a cancel lands while ffmpeg is still encoding.
      makeKeyframedSource(join(platform.mediaIn, 'slow.mp4'), { seconds: 30, fps: 25, size: '640x360' }),
      makeKeyframedSource(join(platform.mediaIn, 'broken.mp4'), { seconds: 2, fps: 10, size: '160x120' }),
      makeKeyframedSource(join(platform.mediaIn, 'trap.mp4'), { seconds: 2, fps: 10, size: '160x120' }),
      makeVideo(join(platform.mediaIn, 'trap.avi'), { seconds: 2 }),
      // The "other file" a playlist could pull in: a real video outside MEDIA_IN, 9 s long so its frames would show.
      makeKeyframedSource(secretPath(), { seconds: 9, fps: 10, size: '160x120', output: ['-f', 'mpegts'] }),
    ]);
    const { scanMediaFolder } = await platform.query<{ scanMediaFolder: { found: number; registered: number } }>(
      'mutation { scanMediaFolder { found registered } }',
    );
    assert.deepEqual(scanMediaFolder, { found: 6, registered: 6 });
    const { assets } = await platform.query<{ assets: Asset[] }>(`query { assets(status: "ready") { ${ASSET_FIELDS} } }`);
    for (const asset of assets) sources.set(asset.filePath, asset.id);
    assert.deepEqual([...sources.keys()].sort(), ['broken.mp4', 'clip.mp4', 'long.mp4', 'slow.mp4', 'trap.avi', 'trap.mp4']);
  });

  after(() => platform?.stop());

  const createJob = async (filePath: string, input: string = ''): Promise<Job> => {
    const { createJob } = await platform.query<{ createJob: Job }>(
      `mutation { createJob(input: { sourceAssetId: "${sources.get(filePath)}", presetId: "${PRESET}" ${input} }) { ${JOB_FIELDS} } }`,
    );
    return createJob;
  };

  /** Files under MEDIA_OUT, hidden partial ones included, whose name mentions `text`. */
  const outputsNamed = async (text: string) => (await readdir(platform.mediaOut, { recursive: true })).filter((f) => f.includes(text));

  const job = async (id: string): Promise<Job> => (await platform.query<{ job: Job }>(`query { job(id: "${id}") { ${JOB_FIELDS} } }`)).job;

  const waitForJob = (id: string, what: string, done: (job: Job) => boolean, timeoutMs = 120_000): Promise<Job> =>
    waitFor(`job ${id} ${what}`, () => job(id), { done, timeoutMs, intervalMs: 100, describe: (j) => JSON.stringify(j) });

  const waitForStatus = (id: string, status: string, timeoutMs?: number) => waitForJob(id, `to be ${status}`, (j) => j.status === status, timeoutMs);

  /** The output asset as the API registered it, the file behind /media/out, and ffprobe's own view of it; 720p never upscales. */
  const checkOutput = async (finished: Job, height: number) => {
    assert.ok(finished.outputAssetId && finished.outputPath, JSON.stringify(finished));
    const asset = (await platform.query<{ asset: Asset }>(`query { asset(id: "${finished.outputAssetId}") { ${ASSET_FIELDS} } }`)).asset;
    assert.equal(asset.root, 'out');
    assert.equal(asset.status, 'ready', 'the output was probed');
    assert.equal(asset.filePath, finished.outputPath);
    assert.equal(asset.sourceJobId, finished.id);
    assert.deepEqual({ videoCodec: asset.videoCodec, audioCodec: asset.audioCodec, height: asset.height }, { videoCodec: 'h264', audioCodec: 'aac', height });
    // As a <video> tag would: the signed URL the API hands out, no header; the bare path is refused.
    const served = await fetch(`${platform.url('api')}${asset.fileUrl.href}`);
    assert.equal(served.status, 200);
    assert.equal((await fetch(`${platform.url('api')}/media/out/${finished.outputPath}`)).status, 401);
    const bytes = Buffer.from(await served.arrayBuffer());
    assert.deepEqual(bytes, await readFile(join(platform.mediaOut, finished.outputPath)), 'the file served is the file in MEDIA_OUT');
    const probe = await probeStreams(join(platform.mediaOut, finished.outputPath));
    assert.deepEqual(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(), ['audio:aac', 'video:h264']);
    return { asset, probe };
  };

  it('a single-pass job: createJob to COMPLETED with a probed output asset', async () => {
    const created = await createJob('clip.mp4', 'outputFilename: "single-clip.mp4"');
    assert.equal(created.status, 'pending');
    const finished = await waitForStatus(created.id, 'completed');
    assert.equal(finished.outputPath, 'single-clip.mp4');
    assert.equal(finished.progress, 100);
    const { asset, probe } = await checkOutput(finished, 180);
    assert.ok(Math.abs(probe.duration - 4) < 0.3, `ffprobe: ${probe.duration} s`);
    assert.ok(Math.abs(asset.duration! - 4) < 0.3, `asset: ${asset.duration} s`);
  });

  it('a chunked job: split, encoded in segments, stitched, COMPLETED with a probed output asset', async () => {
    const created = await createJob('long.mp4', 'chunked: true, chunkDuration: 5, outputFilename: "chunked-long.mp4"');
    assert.equal(created.chunked, true);
    const finished = await waitForStatus(created.id, 'completed');
    const { probe } = await checkOutput(finished, 180);
    assert.ok(Math.abs(probe.duration - 12) < 0.3, `ffprobe: ${probe.duration} s`);
    // The chunker did the work (not a single pass): its own metrics count the job and its segments.
    const metrics = await (await fetch(`${platform.url('chunker')}/metrics`, { headers: { authorization: `Bearer ${PLATFORM_API_TOKEN}` } })).text();
    assert.match(metrics, /^mpr_chunk_jobs_total\{outcome="completed",service="chunker"\} 1$/m);
    const done = Number(/^mpr_chunk_segments_total\{outcome="done",service="chunker"\} (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(
      done >= 2,
      `segments done: ${done}\n${metrics
        .split('\n')
        .filter((l) => l.startsWith('mpr_chunk'))
        .join('\n')}`,
    );
    assert.match(metrics, new RegExp(`^mpr_chunk_segment_seconds_count\\{service="chunker"\\} ${done}$`, 'm'));
    assert.match(metrics, /^mpr_chunk_segments_running\{service="chunker"\} 0$/m);
  });

  it('a trimmed job: the output holds only the range asked for', async () => {
    const created = await createJob('clip.mp4', 'trimStart: 1, trimEnd: 3, outputFilename: "trimmed-clip.mp4"');
    const finished = await waitForStatus(created.id, 'completed');
    const { probe } = await checkOutput(finished, 180);
    assert.ok(Math.abs(probe.duration - 2) < 0.3, `ffprobe: ${probe.duration} s`);
  });

  it('cancelJob mid-encode stops it and leaves no output; retryJob then runs it to COMPLETED', async () => {
    const created = await createJob('slow.mp4', 'outputFilename: "cancelled-slow.mp4"');
    await waitForJob(created.id, 'to be encoding', (j) => j.status === 'processing' && j.progress > 0 && j.progress < 100);
    const { cancelJob } = await platform.query<{ cancelJob: Job }>(`mutation { cancelJob(id: "${created.id}") { ${JOB_FIELDS} } }`);
    assert.equal(cancelJob.status, 'cancelled');
    // The transcoder removes its partial file once ffmpeg has stopped; nothing is published under the name.
    await waitFor('the cancelled encode to leave nothing in MEDIA_OUT', () => outputsNamed('cancelled-slow'), {
      done: (files) => files.length === 0,
      describe: (files) => files.join(', '),
    });
    assert.equal((await job(created.id)).status, 'cancelled');

    const { retryJob } = await platform.query<{ retryJob: Job }>(`mutation { retryJob(id: "${created.id}") { ${JOB_FIELDS} } }`);
    assert.deepEqual({ status: retryJob.status, attempt: retryJob.attempt }, { status: 'pending', attempt: 2 });
    const finished = await waitForStatus(created.id, 'completed', 180_000);
    assert.equal(finished.attempt, 2);
    const { probe } = await checkOutput(finished, 360);
    assert.ok(Math.abs(probe.duration - 30) < 0.3, `ffprobe: ${probe.duration} s`);
  });

  it("a file that went corrupt after the scan: FAILED with ffmpeg's reason", async () => {
    // It probed fine at the scan; now only its first 2 KB are left (the index at its end is gone).
    const path = join(platform.mediaIn, 'broken.mp4');
    await writeFile(path, (await readFile(path)).subarray(0, 2048));
    const created = await createJob('broken.mp4', 'outputFilename: "broken-out.mp4"');
    const failed = await waitForStatus(created.id, 'failed');
    assert.match(failed.errorMessage ?? '', /moov atom not found/);
    assert.match(failed.errorMessage ?? '', /broken\.mp4: Invalid data found when processing input/);
    assert.equal(failed.outputAssetId, null);
    assert.deepEqual(await outputsNamed('broken-out'), []);
  });

  for (const name of ['trap.mp4', 'trap.avi']) {
    it(`${name} turned into an HLS playlist of a local file after the scan: ffmpeg refuses it, the job fails, nothing is published`, async () => {
      // Probed as a video at the scan; now a playlist whose one "segment" is a file outside MEDIA_IN.
      await makePlaylistTrap(join(platform.mediaIn, name), secretPath());
      const stem = name.replace('.', '-');
      const created = await createJob(name, `outputFilename: "${stem}-out.mp4"`);
      const failed = await waitForStatus(created.id, 'failed');
      // ffmpeg's own refusal: its HLS demuxer was picked by content, then refused by the input's format whitelist.
      assert.match(failed.errorMessage ?? '', /^\[hls\] Format not on whitelist /m);
      assert.match(failed.errorMessage ?? '', new RegExp(`^in/${name.replace('.', '\\.')}: Invalid argument$`, 'm'));
      assert.equal(failed.outputAssetId, null);
      assert.deepEqual(await outputsNamed(`${stem}-out`), []);
    });
  }
});
