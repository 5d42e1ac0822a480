import assert from 'node:assert/strict';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { type MediaStore, openMediaStore } from '@mpr/core';
import { tempDir } from '@mpr/core/testing/media-fixtures';
import { TestS3Server } from '@mpr/core/testing/s3-server';
import { waitFor } from '@mpr/core/testing/wait-for';
import { ChunkerProcess, createChunkedJob, forceSegmentsOnTwoReplicas, pidOf, segmentEvents, type TelemetryEvent } from './chunker-harness';
import { eventsOf, filesIn, makeKeyframedSource, outputFacts, TranscoderWorld, until } from './transcoder-harness';

const FPS = 25;
const SECONDS = 6;
const PRESET = 'builtin-h264-720p';

/**
 * Two chunker replicas as processes with both roots in a bucket of an S3-protocol server started here, each with
 * its own MPR_DATA_DIR (scratch space) and no folder in common: what a replica on another machine has. The
 * segments, the audio and the split's pieces travel through the bucket under MEDIA_OUT's `.mpr-chunks/`.
 */
describe('chunker replicas on an S3 root, sharing no folder', () => {
  let world: TranscoderWorld;
  let s3: TestS3Server;
  let local: { path: string; remove(): Promise<void> };
  let bucketIn: MediaStore;
  let bucketOut: MediaStore;
  let replicas: ChunkerProcess[] = [];
  const scratch = (i: number) => join(local.path, `replica-${i}`);
  const env = (i: number) =>
    world.env({
      ...s3.env(),
      MEDIA_IN: 's3://media/in',
      MEDIA_OUT: 's3://media/out',
      MPR_DATA_DIR: scratch(i),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      MPR_CHUNKER_PORT: '0',
      MPR_CHUNK_WORKERS: '1',
      MPR_WORK_ACK_WAIT_SECONDS: '2',
      MPR_LOG_LEVEL: 'log',
    });

  before(async () => {
    [world, s3, local] = await Promise.all([TranscoderWorld.create(), TestS3Server.start(['media']), tempDir('mpr-chunk-s3-')]);
    Object.assign(process.env, s3.env());
    const options = { endpoint: s3.endpoint, forcePathStyle: true, scratchDir: join(local.path, 'test-scratch') };
    bucketIn = openMediaStore('in', 's3://media/in', options);
    bucketOut = openMediaStore('out', 's3://media/out', options);
    await world.seedPresets();
    replicas = [new ChunkerProcess(env(0)), new ChunkerProcess(env(1))];
    await Promise.all(replicas.map((r) => r.ready));
  });

  after(async () => {
    await Promise.allSettled(replicas.map((r) => r.stop()));
    await world?.cleanup();
    await s3?.stop();
    await local?.remove();
  });

  /** A source made here, put in the bucket at `key` and registered (probed) as the API's scan would. */
  async function source(key: string, output: string[] = []): Promise<string> {
    const path = await makeKeyframedSource(join(world.mediaIn, key), { seconds: SECONDS, fps: FPS, size: '480x270', output });
    await bucketIn.write(key, Readable.from([await readFile(path)]));
    return world.registerSource(path);
  }

  async function runChunked(sourceAssetId: string, outputFilename: string): Promise<{ jobId: string; telemetry: TelemetryEvent[] }> {
    const { jobId, telemetry, stop } = await createChunkedJob(world, { sourceAssetId, presetId: PRESET, outputFilename });
    try {
      await forceSegmentsOnTwoReplicas(jobId, telemetry);
      const job = await world.waitForStatus(jobId, 'COMPLETED', 60_000);
      await until('the verified event', () => telemetry.some((e) => e.subject.endsWith('.verified')), 2_000);
      assert.equal(job.outputPath, outputFilename);
    } finally {
      stop();
    }
    return { jobId, telemetry };
  }

  /** The output object is the whole range; nothing of the attempt is left in the bucket or in either replica's scratch space. */
  async function assertPublishedAndClean(jobId: string, outputFilename: string, telemetry: TelemetryEvent[]): Promise<void> {
    const copy = join(local.path, `out-${jobId}.mp4`);
    await pipeline(await bucketOut.read(outputFilename), createWriteStream(copy));
    const output = await outputFacts(copy);
    assert.equal(output.videoFrames, SECONDS * FPS);
    assert.ok(Math.abs(output.duration - SECONDS) <= 1 / FPS + 0.03, `duration ${output.duration}`);
    assert.equal(eventsOf(await world.jobEvents(jobId), 'JobCompleted').length, 1);

    const done = segmentEvents(telemetry, 'done');
    assert.deepEqual(
      [...new Set(done.map((e) => pidOf(e.body.replicaId)))].sort(),
      replicas.map((r) => r.pid).sort(),
      `segments done by both replicas: ${done.map((e) => `${e.body.index}@${e.body.workerId}`).join(' ')}; failed: ${JSON.stringify(segmentEvents(telemetry, 'failed').map((e) => e.body.error))}`,
    );
    const chunkKeys = async () => {
      const keys: string[] = [];
      for await (const object of bucketOut.list('.mpr-chunks')) keys.push(object.key);
      return keys;
    };
    // The coordinator removes the work directory once the attempt has ended (after CompleteJob).
    await waitFor('the chunk prefix to be empty', chunkKeys, { done: (keys) => keys.length === 0, timeoutMs: 5_000, describe: (k) => k.join(', ') });
    const keys: string[] = [];
    for await (const object of bucketOut.list()) keys.push(object.key);
    assert.deepEqual(
      keys.filter((key) => key.endsWith('.part') || key.startsWith('.')),
      [],
      keys.join(', '),
    );
    for (const i of [0, 1]) assert.deepEqual(await filesIn(join(scratch(i), 'scratch', 'out')), [], `replica ${i}'s scratch work files`);
    assert.deepEqual(await filesIn(world.mediaOut), [], 'the local MEDIA_OUT folder is not used');
  }

  it('an MP4 source (segments seek into each replica’s own copy): both replicas encode, the job completes verified, the chunk prefix is emptied', async () => {
    const asset = await source('clip.mp4');
    const { jobId, telemetry } = await runChunked(asset, 'clip-chunked.mp4');
    assert.equal(telemetry.find((e) => e.subject.endsWith('.planned'))?.body.split, false);
    await assertPublishedAndClean(jobId, 'clip-chunked.mp4', telemetry);
    // Each replica read the source from the bucket into its own spool: no copy is shared.
    for (const i of [0, 1]) assert.ok((await filesIn(join(scratch(i), 'scratch', 'in'))).length > 0, `replica ${i} spooled the source`);
  });

  it('a Matroska source (split into pieces on the coordinator): the pieces go through the bucket to the other replica', async () => {
    const asset = await source('clip.mkv');
    const { jobId, telemetry } = await runChunked(asset, 'clip-pieces.mp4');
    assert.equal(telemetry.find((e) => e.subject.endsWith('.planned'))?.body.split, true);
    await assertPublishedAndClean(jobId, 'clip-pieces.mp4', telemetry);
  });

  it('a replica killed with -9 leaves its spooled source and work files; the next replica started on its scratch folder removes them', async () => {
    const asset = await source('killed/clip.mp4');
    const { jobId } = await runChunked(asset, 'killed-before.mp4');
    const victim = replicas[1];
    const inScratch = join(scratch(1), 'scratch', 'in');
    const spool = (await readdir(inScratch)).find((name) => name.startsWith(`spool-${hostname()}-${victim.pid}-`));
    assert.ok(spool, `the victim's spool folder in ${(await readdir(inScratch)).join(', ')}`);
    assert.ok((await filesIn(join(inScratch, spool))).length > 0, 'it holds the spooled source');
    // What an encode killed with its replica leaves: a partial segment of the (ended) job, and a transcoder's part file
    // not written for an hour (longer than the heartbeat timeout, after which no attempt is still writing it).
    const work = join(scratch(1), 'scratch', 'out', 'work');
    const segmentPart = join(work, '.mpr-chunks', `${jobId}-a1`, 'segment-000.mkv.d1.part');
    const stalePart = join(work, `.gone.mp4.${jobId}-a1.part`);
    const freshPart = join(work, `.running.mp4.${jobId}-a2.part`);
    for (const path of [segmentPart, stalePart, freshPart]) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, 'half an encode');
    }
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(stalePart, hourAgo, hourAgo);
    await victim.kill('SIGKILL');
    assert.ok(existsSync(join(inScratch, spool)), 'a killed process removes nothing');

    replicas[1] = new ChunkerProcess(env(1));
    await replicas[1].ready;
    await until("the dead replica's spool, the stale part file and the ended job's work files to be removed", () =>
      [join(inScratch, spool), stalePart, dirname(segmentPart)].every((path) => !existsSync(path)),
    );
    assert.ok(existsSync(freshPart), 'a part file written within the heartbeat timeout is kept');
    assert.match(replicas[1].logText(), new RegExp(`removed what stopped processes left in .*${spool}`));
  });
});
