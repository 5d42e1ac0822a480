import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { type MediaStore, openMediaStore } from '@mpr/core';
import { largeSource } from '@mpr/core/testing/large-source.fixture';
import { probeStreams, tempDir } from '@mpr/core/testing/media-fixtures';
import { PlatformProcess } from '@mpr/core/testing/platform-process';
import { type ProcessMemory, processMemory, resetPeakMemory } from '@mpr/core/testing/process-memory';
import { TestS3Server } from '@mpr/core/testing/s3-server';
import { ServiceProcess } from '@mpr/core/testing/service-process';
import { waitFor } from '@mpr/core/testing/wait-for';
import type { AssetFields, JobFields } from './graphql-rows';

type Job = Pick<JobFields, 'id' | 'status' | 'errorMessage' | 'outputPath' | 'outputAssetId'>;
const JOB_FIELDS = 'id status errorMessage outputPath outputAssetId';
const MiB = 1024 * 1024;
const KEY = 'big/source.mp4';

/**
 * What a process may grow by while a ≈ 200 MB object goes through it: under the object (a process holding it whole
 * grows by at least its 193 MiB; a spool that buffered it before writing grew each by +386 to +430 MiB, tried once)
 * and above what streaming costs here: the transcoder's +73 to +82 MiB is the multipart upload of its 200 MB remux
 * (lib-storage assembles 8 MiB parts by copying, 2 in flight, and the parts sent wait for a collection), the API's
 * and chunker's +25 to +45 MiB a download's; the scheduler never touches media (+1 to +5 MiB).
 */
const GROWTH_BOUND_MIB = 120;

async function sha256(stream: AsyncIterable<Buffer | Uint8Array>): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { hash: hash.digest('hex'), bytes };
}

/**
 * A ≈ 200 MB source (1080p H.264 at 170 Mb/s, made once and cached) in an S3-protocol server's bucket, with the
 * API, the scheduler, the transcoder and the chunker each a process of its own on the bucket roots, each with its
 * own scratch folder. The whole object goes through each of them: the API's scan spools it for ffprobe, the
 * transcoder spools it and uploads a remux of it (as large), the API serves that output from the bucket, the chunker
 * spools it for a chunked encode of a trimmed range. Each process's peak resident set (VmHWM, reset just before
 * the work) is printed and must stay within GROWTH_BOUND_MIB of where it was: streams, never the whole object.
 */
describe('a 200 MB source on S3 roots: scanned, remuxed S3 → S3, served, chunked, with every service process streaming it', () => {
  let s3: TestS3Server;
  let local: { path: string; remove(): Promise<void> };
  let platform: PlatformProcess;
  let services: ServiceProcess[] = [];
  let bucketOut: MediaStore;
  let sourceBytes: number;

  before(async () => {
    let source: string;
    [s3, local, source] = await Promise.all([TestS3Server.start(['media']), tempDir('mpr-s3-large-'), largeSource()]);
    sourceBytes = (await stat(source)).size;
    Object.assign(process.env, s3.env());
    const options = { endpoint: s3.endpoint, forcePathStyle: true, scratchDir: join(local.path, 'test-scratch') };
    await openMediaStore('in', 's3://media/in', options).write(KEY, createReadStream(source));
    bucketOut = openMediaStore('out', 's3://media/out', options);
    const roots = { ...s3.env(), MEDIA_IN: 's3://media/in', MEDIA_OUT: 's3://media/out', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    platform = await PlatformProcess.start({ ...roots, MPR_SERVICES: 'api', MPR_DATA_DIR: join(local.path, 'api') });
    // MPR_SERVICES picks among an entry's services: cleared, each entry runs its one.
    services = ['scheduler', 'transcoder', 'chunker'].map(
      (name) => new ServiceProcess(name, { ...platform.env, MPR_SERVICES: '', MPR_DATA_DIR: join(local.path, name) }),
    );
    await Promise.all(services.map((s) => s.ready));
  });

  after(async () => {
    await Promise.allSettled(services.map((s) => s.stop()));
    await platform?.stop();
    await s3?.stop();
    await local?.remove();
  });

  const runJob = async (input: string): Promise<Job> => {
    const { createJob } = await platform.query<{ createJob: Job }>(`mutation { createJob(input: { ${input} }) { ${JOB_FIELDS} } }`);
    const job = async () => (await platform.query<{ job: Job }>(`query { job(id: "${createJob.id}") { ${JOB_FIELDS} } }`)).job;
    const ended = await waitFor(`job ${createJob.id} to end`, job, {
      done: (j) => ['completed', 'failed', 'cancelled'].includes(j.status),
      timeoutMs: 150_000,
      intervalMs: 250,
      describe: (j) => JSON.stringify(j),
    });
    assert.equal(ended.status, 'completed', JSON.stringify(ended));
    return ended;
  };

  it('holds no process near the object’s size: the peak RSS growth of the API, scheduler, transcoder and chunker stays under 120 MiB', async () => {
    assert.ok(sourceBytes > 190 * MiB, `the source is ${(sourceBytes / MiB).toFixed(1)} MiB`);
    const processes = [{ name: 'api', pid: platform.process.pid }, ...services.map((s) => ({ name: s.name, pid: s.pid }))];
    const start = new Map<string, ProcessMemory>();
    for (const { name, pid } of processes) start.set(name, await resetPeakMemory(pid));

    const { scanMediaFolder } = await platform.query<{ scanMediaFolder: { registered: number } }>('mutation { scanMediaFolder { registered } }');
    assert.equal(scanMediaFolder.registered, 1);
    const asset = await waitFor(
      `${KEY} to be probed`,
      async () => (await platform.query<{ assets: Array<Pick<AssetFields, 'id' | 'filePath' | 'status'>> }>('query { assets { id filePath status } }')).assets,
      { done: (assets) => assets.some((a) => a.filePath === KEY && a.status === 'ready'), timeoutMs: 60_000, describe: (a) => JSON.stringify(a) },
    ).then((assets) => assets.find((a) => a.filePath === KEY)!);

    // A single pass that streams all of it both ways: the source spooled down, a remux as large uploaded.
    const remux = await runJob(`sourceAssetId: "${asset.id}", presetId: "builtin-remux", outputFilename: "big-remux.mkv"`);
    const object = await sha256(await bucketOut.read(remux.outputPath!));
    assert.ok(object.bytes > 0.95 * sourceBytes, `the remux is ${object.bytes} bytes of a ${sourceBytes}-byte source`);
    const output = await platform.query<{ asset: { fileUrl: { href: string } } }>(`query { asset(id: "${remux.outputAssetId}") { fileUrl { href } } }`);
    const served = await fetch(`${platform.url('api')}${output.asset.fileUrl.href}`);
    assert.equal(served.status, 200);
    assert.deepEqual(await sha256(Readable.fromWeb(served.body! as never)), object, 'the API serves the object, all of it');

    // A chunked encode of 3 s of it: the chunker spools the whole object to seek into it.
    const chunked = await runJob(
      `sourceAssetId: "${asset.id}", presetId: "builtin-h264-720p", outputFilename: "big-chunked.mp4", chunked: true, chunkDuration: 1, trimStart: 3, trimEnd: 6`,
    );
    const copy = join(local.path, 'big-chunked.mp4');
    await pipeline(await bucketOut.read(chunked.outputPath!), createWriteStream(copy));
    const probe = await probeStreams(copy);
    assert.ok(Math.abs(probe.duration - 3) < 0.2, `the chunked output lasts ${probe.duration} s`);

    const rows: string[] = [];
    const over: string[] = [];
    for (const { name, pid } of processes) {
      const before = start.get(name)!;
      const { peakKiB } = await processMemory(pid);
      const growthMiB = (peakKiB - before.rssKiB) / 1024;
      rows.push(`| ${name} | ${(before.rssKiB / 1024).toFixed(0)} MiB | ${(peakKiB / 1024).toFixed(0)} MiB | +${growthMiB.toFixed(0)} MiB |`);
      if (growthMiB >= GROWTH_BOUND_MIB) over.push(`${name} +${growthMiB.toFixed(0)} MiB`);
    }
    console.log(
      [
        `peak RSS with a ${(sourceBytes / MiB).toFixed(0)} MiB object through each process (bound: +${GROWTH_BOUND_MIB} MiB):`,
        '| process | RSS before | peak during | growth |',
        ...rows,
      ].join('\n'),
    );
    assert.deepEqual(over, [], rows.join('\n'));
  });
});
