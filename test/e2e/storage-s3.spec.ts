import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { assetIdFor, type MediaStore, openMediaStore } from '@mpr/core';
import { makeAudio, makeKeyframedSource, probeStreams, tempDir } from '@mpr/core/testing/media-fixtures';
import { PLATFORM_API_TOKEN, PlatformProcess } from '@mpr/core/testing/platform-process';
import { TestS3Server } from '@mpr/core/testing/s3-server';
import { waitFor } from '@mpr/core/testing/wait-for';
import type { AssetFields, JobFields } from './graphql-rows';

type Asset = Pick<AssetFields, 'id' | 'filePath' | 'root' | 'status' | 'videoCodec' | 'fileUrl'>;
type Job = Pick<JobFields, 'id' | 'status' | 'errorMessage' | 'outputPath' | 'outputAssetId' | 'chunked'>;

const ASSET_FIELDS = 'id filePath root status videoCodec fileUrl { href }';
const JOB_FIELDS = 'id status errorMessage outputPath outputAssetId chunked';

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The platform (`dist/services/all/main.js`, one process) with both roots in a bucket of an S3-protocol server
 * started here: MEDIA_IN=s3://media/in, MEDIA_OUT=s3://media/out, S3_ENDPOINT, path style, credentials in the
 * SDK's standard variables. The test puts objects in and reads them back with a store of its own; the platform is
 * reached only through GraphQL and HTTP.
 */
describe('media roots on S3: scan, serving, single-pass and chunked jobs S3 → S3', () => {
  let s3: TestS3Server;
  let platform: PlatformProcess;
  let bucketIn: MediaStore;
  let bucketOut: MediaStore;
  let local: { path: string; remove(): Promise<void> };

  before(async () => {
    s3 = await TestS3Server.start(['media']);
    local = await tempDir('mpr-s3-e2e-');
    // The test's own stores reach the bucket as the platform does: credentials from the environment.
    Object.assign(process.env, s3.env());
    const options = { endpoint: s3.endpoint, forcePathStyle: true, scratchDir: join(local.path, 'scratch') };
    bucketIn = openMediaStore('in', 's3://media/in', options);
    bucketOut = openMediaStore('out', 's3://media/out', options);
    await makeKeyframedSource(join(local.path, 'clip.mp4'), { seconds: 4, fps: 10, size: '320x180' });
    await makeAudio(join(local.path, 'song.mp3'), 2);
    for (const [key, file] of [
      ['clip.mp4', 'clip.mp4'],
      ['albums/2026/song.mp3', 'song.mp3'],
    ]) {
      await bucketIn.write(key, Readable.from([await readFile(join(local.path, file))]));
    }
    await bucketIn.write('notes.txt', Readable.from(['not media']));
    platform = await PlatformProcess.start({ ...s3.env(), MEDIA_IN: 's3://media/in', MEDIA_OUT: 's3://media/out' });
  });

  after(async () => {
    await platform?.stop();
    await s3?.stop();
    await local?.remove();
  });

  const assets = async () => (await platform.query<{ assets: Asset[] }>(`query { assets { ${ASSET_FIELDS} } }`)).assets;
  const scan = async () =>
    (
      await platform.query<{ scanMediaFolder: Record<string, number> }>(
        'mutation { scanMediaFolder { found registered skipped unsupported missing returned } }',
      )
    ).scanMediaFolder;

  /** The source asset at `filePath` once probed: scanned now if no test has yet (a scan registers nothing twice). */
  const readyAsset = async (filePath: string): Promise<Asset> => {
    await scan();
    const ready = await waitFor(`in/${filePath} to be probed`, async () => (await assets()).find((a) => a.root === 'in' && a.filePath === filePath), {
      done: (asset) => asset?.status === 'ready',
      describe: (asset) => JSON.stringify(asset),
    });
    return ready!;
  };

  it('scans the bucket root: the supported types, probed, ids from the key; a rescan registers nothing and keeps the ids', async () => {
    const first = await scan();
    // Whichever test scanned first: every supported object is registered now or was before; notes.txt is not media.
    assert.equal(first.registered + first.skipped, first.found);
    assert.equal(first.unsupported, 1);
    const clip = await readyAsset('clip.mp4');
    const song = await readyAsset('albums/2026/song.mp3');
    assert.equal(clip.id, assetIdFor('in', 'clip.mp4'));
    assert.equal(song.id, assetIdFor('in', 'albums/2026/song.mp3'));
    assert.equal(clip.videoCodec, 'h264');
    const before = (await assets()).map((a) => a.id).sort();
    const again = await scan();
    assert.deepEqual([again.registered, again.skipped, again.found], [0, first.found, first.found]);
    assert.deepEqual((await assets()).map((a) => a.id).sort(), before);
  });

  it('serves an object at /media/in with Range, 404 for a missing key, 403 for a way out of the root', async () => {
    const clip = await readyAsset('clip.mp4');
    const original = await bytesOf(await bucketIn.read('clip.mp4'));
    const api = platform.url('api');
    const whole = await fetch(`${api}${clip.fileUrl.href}`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), original);
    const part = await fetch(`${api}${clip.fileUrl.href}`, { headers: { Range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-199/${original.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), original.subarray(100, 200));
    const head = await fetch(`${api}${clip.fileUrl.href}`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), String(original.length));
    const auth = { authorization: `Bearer ${PLATFORM_API_TOKEN}` };
    assert.equal((await fetch(`${api}/media/in/none.mp4`, { headers: auth })).status, 404);
    assert.equal((await fetch(`${api}/media/in/%2E%2E%2Fout%2Fx.mp4`, { headers: auth })).status, 403);
    assert.equal((await fetch(`${api}/media/in/s3:%2F%2Fother%2Fx.mp4`, { headers: auth })).status, 403);
  });

  const runJob = async (input: string, source = 'clip.mp4'): Promise<Job> => {
    const clip = await readyAsset(source);
    const { createJob } = await platform.query<{ createJob: Job }>(
      `mutation { createJob(input: { sourceAssetId: "${clip.id}", presetId: "builtin-h264-720p", ${input} }) { ${JOB_FIELDS} } }`,
    );
    const job = async () => (await platform.query<{ job: Job }>(`query { job(id: "${createJob.id}") { ${JOB_FIELDS} } }`)).job;
    return waitFor(`job ${createJob.id} to end`, job, {
      done: (j) => ['completed', 'failed', 'cancelled'].includes(j.status),
      timeoutMs: 120_000,
      describe: (j) => JSON.stringify(j),
    });
  };

  /** The output asset as registered, the bytes the API serves for it (the object's), and ffprobe's view of them. */
  const checkOutput = async (finished: Job) => {
    assert.equal(finished.status, 'completed', JSON.stringify(finished));
    const output = (await platform.query<{ asset: Asset }>(`query { asset(id: "${finished.outputAssetId}") { ${ASSET_FIELDS} } }`)).asset;
    assert.deepEqual([output.root, output.filePath, output.status], ['out', finished.outputPath, 'ready']);
    const served = Buffer.from(await (await fetch(`${platform.url('api')}${output.fileUrl.href}`)).arrayBuffer());
    assert.deepEqual(served, await bytesOf(await bucketOut.read(finished.outputPath!)), 'served from the bucket');
    const copy = join(local.path, `served-${finished.id}.mp4`);
    await writeFile(copy, served);
    const probe = await probeStreams(copy);
    assert.deepEqual(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(), ['audio:aac', 'video:h264']);
    assert.ok(Math.abs(probe.duration - 4) < 0.3, `ffprobe: ${probe.duration} s`);
  };

  /** What MEDIA_OUT's bucket holds: every key must be a published output, none a part file or a chunker work file. */
  const checkBucketHoldsOnlyOutputs = async (outputPath: string) => {
    // A chunked job's work files are under .mpr-chunks/ until the attempt has ended, just after CompleteJob.
    await waitFor(
      'the chunker work prefix to be empty',
      async () => {
        const left: string[] = [];
        for await (const object of bucketOut.list('.mpr-chunks')) left.push(object.key);
        return left;
      },
      { done: (left) => left.length === 0, timeoutMs: 5_000, describe: (left) => left.join(', ') },
    );
    const keys: string[] = [];
    for await (const object of bucketOut.list()) keys.push(object.key);
    assert.ok(keys.includes(outputPath), keys.join(', '));
    assert.deepEqual(
      keys.filter((key) => key.endsWith('.part') || key.startsWith('.') || key.includes('/.')),
      [],
      keys.join(', '),
    );
  };

  it('runs a single-pass job from the bucket to the bucket: the output object published whole, nothing partial left', async () => {
    const finished = await runJob('outputFilename: "clip-720.mp4"');
    assert.equal(finished.outputPath, 'clip-720.mp4');
    await checkBucketHoldsOnlyOutputs('clip-720.mp4');
    await checkOutput(finished);
  });

  it('runs a chunked job from the bucket to the bucket: segments through the bucket, removed after, only the stitched output published', async () => {
    const finished = await runJob('outputFilename: "clip-chunked.mp4", chunked: true, chunkDuration: 2');
    assert.equal(finished.outputPath, 'clip-chunked.mp4');
    assert.equal(finished.chunked, true);
    await checkBucketHoldsOnlyOutputs('clip-chunked.mp4');
    await checkOutput(finished);
  });

  it("names a source read from a spooled copy by its media path when ffmpeg fails on it, never the copy's hashed name or a host path", async () => {
    await bucketIn.write('broken/clip.mp4', Readable.from([await readFile(join(local.path, 'clip.mp4'))]));
    await readyAsset('broken/clip.mp4');
    // Replaced after its probe by bytes no demuxer reads: the job's ffmpeg (or ffprobe) fails on the spooled copy.
    await bucketIn.write('broken/clip.mp4', Readable.from([Buffer.alloc(64 * 1024, 7)]));
    for (const input of ['outputFilename: "broken-single.mp4"', 'outputFilename: "broken-chunked.mp4", chunked: true, chunkDuration: 2']) {
      const failed = await runJob(input, 'broken/clip.mp4');
      assert.equal(failed.status, 'failed', JSON.stringify(failed));
      assert.match(failed.errorMessage ?? '', /in\/broken\/clip\.mp4/, input);
      assert.doesNotMatch(failed.errorMessage ?? '', /[0-9a-f]{32}|spool|scratch|\/tmp\//, input);
    }
  });

  it('marks an asset missing when its object is deleted from the bucket', async () => {
    await bucketIn.write('gone/brief.mp3', Readable.from([await readFile(join(local.path, 'song.mp3'))]));
    const brief = await readyAsset('gone/brief.mp3');
    await bucketIn.delete('gone/brief.mp3');
    assert.equal((await scan()).missing, 1);
    assert.equal((await assets()).find((a) => a.id === brief.id)?.status, 'missing');
  });
});
