import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { type MediaStore, openMediaStore } from '@mpr/core';
import { probeStreams, tempDir } from '@mpr/core/testing/media-fixtures';
import { TestS3Server } from '@mpr/core/testing/s3-server';
import { runOneShotPayload } from '../../services/transcoder/src/oneshot/oneshot.entry';
import { CloudWorld } from './cloud-harness';
import { filesIn } from './transcoder-harness';

/**
 * The one-shot entry (the Lambda handler's code, in this process) with both roots in a bucket of an S3-protocol
 * server started here, and no folder shared with the platform: it spools the source from the bucket, runs real
 * ffmpeg, uploads its verified part file to the attempt's staged key, and reports through the signed callback into
 * the running API (MEDIA_IN and MEDIA_OUT in the same bucket), which publishes the output object.
 */
describe('the one-shot entry on s3:// roots end to end', () => {
  let world: CloudWorld;
  let oneShotEnv: Record<string, string>;
  let bucketIn: MediaStore, bucketOut: MediaStore;
  let s3: TestS3Server;
  let local: { path: string; remove(): Promise<void> };

  before(async () => {
    [s3, local] = await Promise.all([TestS3Server.start(['media'], { logWrites: true }), tempDir('mpr-oneshot-s3-')]);
    // The in-process API's stores and the test's own take their credentials from the environment, as the SDK does.
    Object.assign(process.env, s3.env(), { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
    const roots = { ...s3.env(), MEDIA_IN: 's3://media/in', MEDIA_OUT: 's3://media/out' };
    const options = { endpoint: s3.endpoint, forcePathStyle: true, scratchDir: join(local.path, 'test-scratch') };
    bucketIn = openMediaStore('in', roots.MEDIA_IN, options);
    bucketOut = openMediaStore('out', roots.MEDIA_OUT, options);
    world = await CloudWorld.start({}, roots, async (path) => {
      await bucketIn.write('clip.mp4', createReadStream(path));
    });
    // The Lambda's environment: the roots and its own scratch space (/tmp in a real Lambda), nothing of the platform's.
    oneShotEnv = { ...roots, MPR_DATA_DIR: join(local.path, 'lambda') };
  });

  after(async () => {
    await world?.stop();
    await s3?.stop();
    await local?.remove();
  });

  const bucketKeys = async (store: MediaStore) => {
    const keys: string[] = [];
    for await (const object of store.list()) keys.push(object.key);
    return keys;
  };

  it('lambda: source object in, output object out; the job is COMPLETED with its output asset, no part object or scratch file left', async () => {
    const jobId = await world.createJob({ executor: 'lambda' });
    const outcome = await runOneShotPayload(await world.startedExecutionInput(jobId), oneShotEnv);
    assert.deepEqual(outcome, { kind: 'completed' });

    const job = await world.readJob(jobId);
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(job.outputPath, 'clip_h264_720p.mp4');
    assert.deepEqual(
      [job.outputAsset?.root, job.outputAsset?.filePath, job.outputAsset?.status, job.outputAsset?.videoCodec],
      ['out', 'clip_h264_720p.mp4', 'ready', 'h264'],
    );
    assert.ok(Math.abs((job.outputAsset?.duration ?? 0) - 1) < 0.1, `the 1 s clip, encoded (${job.outputAsset?.duration} s)`);
    assert.equal(job.events.at(-1)?.type, 'JobCompleted');

    // The object at the final key is the whole encode.
    const copy = join(local.path, `${jobId}.mp4`);
    await pipeline(await bucketOut.read('clip_h264_720p.mp4'), createWriteStream(copy));
    const probe = await probeStreams(copy);
    assert.ok(probe.streams.some((s) => s.codec_type === 'video' && s.codec_name === 'h264'));
    assert.ok(Math.abs(probe.duration - 1) < 0.1, `ffprobe: ${probe.duration} s`);
    assert.deepEqual(
      (await bucketKeys(bucketOut)).filter((key) => key.endsWith('.part') || key.startsWith('.')),
      [],
      'the staged part object is removed once published',
    );
    // Uploaded once, by the one-shot, to the staged key; the API published it by a server-side copy, not a second upload.
    const staged = `media/out/.clip_h264_720p.mp4.${jobId}-a1.part`;
    assert.deepEqual(
      s3.objectWrites().filter((w) => w.key === staged || w.key === 'media/out/clip_h264_720p.mp4'),
      [
        { how: 'stored', key: staged },
        { how: 'copied', key: 'media/out/clip_h264_720p.mp4', from: staged },
      ],
    );
    assert.deepEqual(await filesIn(join(local.path, 'lambda', 'scratch')), [], "the one-shot's spooled source and part file are gone");
    assert.deepEqual(await filesIn(join(world.api.config.MPR_DATA_DIR, 'scratch', 'out')), [], "the API's downloaded copy is gone");
  });

  it('lambda: a source object that is gone is reported as a final failure with the reason', async () => {
    const jobId = await world.createJob({ executor: 'lambda' });
    const input = await world.startedExecutionInput(jobId);
    const kept = join(local.path, 'clip-kept.mp4');
    await pipeline(await bucketIn.read('clip.mp4'), createWriteStream(kept));
    await bucketIn.delete('clip.mp4');
    try {
      const outcome = await runOneShotPayload(input, oneShotEnv);
      assert.deepEqual(outcome, { kind: 'failed', errorMessage: 'source file clip.mp4 is missing from MEDIA_IN', retryable: false });
      const job = await world.readJob(jobId);
      assert.deepEqual([job.status, job.errorMessage], ['failed', 'source file clip.mp4 is missing from MEDIA_IN']);
    } finally {
      await bucketIn.write('clip.mp4', createReadStream(kept));
    }
  });
});
