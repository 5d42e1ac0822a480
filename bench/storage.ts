/**
 * bench/storage: what an object-store root costs against a local one.
 *
 * (1) How ffmpeg should read an object: by presigned URL (ffmpeg's HTTP protocol, a ranged request per seek) or
 *     from a local spool (the whole object downloaded to scratch space first, then `file:`). The same ~200 MB
 *     source (a generated 1080p30 H.264 at constant 26 Mb/s) in an S3-protocol server (s3rver, started here),
 *     read (a) front to back (a stream copy to null: a single pass's read) and (b) as a chunker's segments do,
 *     4 input seeks each decoding 2 s. The spool's download is counted in its time.
 * (2) The same 1080p → 720p H.264 job with both roots local and with both on the S3 server (API, scheduler and
 *     transcoder in this process): createJob → COMPLETED, bytes moved to and from the bucket, and this process's
 *     peak RSS while the job runs (sampled every 100 ms: the services' memory, ffmpeg is a child of its own).
 * Prints figures only; it asserts nothing about them.
 *
 *   npm run bench -- storage [--seconds 60] [--job-seconds 60] [--runs 1]
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { INPUT_FORMAT_WHITELIST, loadConfig, type MediaStore, openMediaStore, type RunningService, startService } from '@mpr/core';
import { makeKeyframedSource } from '@mpr/core/testing/media-fixtures';
import { TestS3Server } from '@mpr/core/testing/s3-server';
import { apiService } from '../services/api/src/api.service-definition';
import { schedulerService } from '../services/scheduler/src/scheduler.service-definition';
import { transcoderService } from '../services/transcoder/src/transcoder.service-definition';
import { benchWorld, type BenchWorld, graphql, makeSource, median, option, waitForEnd } from './support/bench.support';

const SECONDS = option('seconds', 60);
const JOB_SECONDS = option('job-seconds', 60);
const RUNS = option('runs', 1);
const SEGMENTS = 4;
const MiB = 1024 * 1024;

function ffmpeg(args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`ffmpeg exited ${code}: ${stderr.slice(-500)}`))));
  });
}

/** An input as the platform confines it: a local file, or (presigned) the HTTP protocols a URL needs and nothing else. */
function input(url: string, options: string[] = []): string[] {
  const protocols = url.startsWith('file:') ? 'file,pipe' : 'http,https,tcp,tls,crypto';
  return [...options, '-protocol_whitelist', protocols, '-format_whitelist', INPUT_FORMAT_WHITELIST.join(','), '-i', url];
}

const sequential = (url: string) => ffmpeg([...input(url), '-map', '0', '-c', 'copy', '-f', 'null', '-']);

async function segments(url: string): Promise<number> {
  let total = 0;
  for (let i = 0; i < SEGMENTS; i++) {
    const start = ((i + 0.5) * SECONDS) / SEGMENTS;
    total += await ffmpeg([...input(url, ['-ss', String(start)]), '-t', '2', '-an', '-f', 'null', '-']);
  }
  return total;
}

async function readComparison(store: MediaStore, key: string): Promise<void> {
  const rows: Array<[string, number[], number[]]> = [
    ['(a) front to back (stream copy)', [], []],
    [`(b) ${SEGMENTS} seeks, 2 s decoded each`, [], []],
  ];
  for (let run = 0; run < RUNS; run++) {
    for (const [index, read] of [sequential, segments].entries()) {
      const url = await store.presignedUrl(key, 3600);
      rows[index][1].push(await read(url!));
      const spoolStarted = performance.now();
      const file = await store.localFile(key);
      const download = performance.now() - spoolStarted;
      try {
        rows[index][2].push(download + (await read(`file:${file.path}`)));
      } finally {
        await file.release();
      }
    }
  }
  console.log(`\n(1) reading the object, median of ${RUNS}:`);
  console.log('| read | presigned URL | spool (download + local) | spool / presigned |');
  console.log('|---|---|---|---|');
  for (const [what, presigned, spool] of rows) {
    console.log(
      `| ${what} | ${(median(presigned) / 1000).toFixed(2)} s | ${(median(spool) / 1000).toFixed(2)} s | ${(median(spool) / median(presigned)).toFixed(2)} |`,
    );
  }
}

interface JobRun {
  wallMs: number;
  peakRssMiB: number;
}

async function runJob(world: BenchWorld, env: Record<string, string>, source: string, upload?: MediaStore): Promise<JobRun> {
  const services: RunningService[] = [];
  const config = loadConfig({ ...world.env, ...env });
  try {
    for (const definition of [apiService, schedulerService, transcoderService]) services.push(await startService(definition, config));
    const api = services[0].url;
    if (upload) await upload.write('job.mp4', createReadStream(source));
    await graphql(api, 'mutation { scanMediaFolder { registered } }');
    // One database for both runs, as a switch of roots keeps it: the source is the same asset (its id is its root and key).
    const asset = (await graphql(api, 'query { assets(status: "ready") { id root filePath } }')).assets.find(
      (a: { root: string; filePath: string }) => a.root === 'in' && a.filePath === 'job.mp4',
    );
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const started = performance.now();
    const { createJob } = await graphql(
      api,
      `mutation { createJob(input: { sourceAssetId: "${asset.id}", presetId: "builtin-h264-720p", outputFilename: "job-${Date.now()}.mp4" }) { id } }`,
    );
    const ended = await waitForEnd(world.streams, createJob.id);
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    if (ended !== 'JobCompleted') throw new Error(`the job ended with ${ended}`);
    return { wallMs, peakRssMiB: peak / MiB };
  } finally {
    for (const service of services.reverse()) await service.app.close();
  }
}

async function main(): Promise<void> {
  const s3 = await TestS3Server.start(['media']);
  Object.assign(process.env, s3.env());
  const world = await benchWorld();
  try {
    const options = { endpoint: s3.endpoint, forcePathStyle: true, scratchDir: join(world.dir, 'bench-scratch') };
    const reads = openMediaStore('in', 's3://media/reads', options);
    const big = join(world.dir, 'big.mp4');
    console.log(`generating a ${SECONDS} s 1920x1080 30 fps source at 26 Mb/s…`);
    await makeKeyframedSource(big, {
      seconds: SECONDS,
      fps: 30,
      size: '1920x1080',
      output: ['-b:v', '26M', '-minrate', '26M', '-maxrate', '26M', '-bufsize', '13M', '-x264-params', 'nal-hrd=cbr'],
    });
    const size = (await stat(big)).size;
    const uploadStarted = performance.now();
    await reads.write('big.mp4', createReadStream(big));
    const uploadMs = performance.now() - uploadStarted;
    console.log(
      `source: ${(size / MiB).toFixed(1)} MiB, uploaded (multipart) in ${(uploadMs / 1000).toFixed(2)} s (${(size / MiB / (uploadMs / 1000)).toFixed(0)} MiB/s)`,
    );
    await readComparison(reads, 'big.mp4');

    console.log(`\n(2) the same ${JOB_SECONDS} s 1080p → 720p H.264 job, local roots vs S3 roots:`);
    const jobSource = join(world.dir, 'job-source.mp4');
    await makeSource(jobSource, JOB_SECONDS);
    await copyFile(jobSource, join(world.mediaIn, 'job.mp4'));
    const localRuns: JobRun[] = [];
    const s3Runs: JobRun[] = [];
    const s3Roots = { MEDIA_IN: 's3://media/job-in', MEDIA_OUT: 's3://media/job-out' };
    const jobIn = openMediaStore('in', s3Roots.MEDIA_IN, options);
    const jobOut = openMediaStore('out', s3Roots.MEDIA_OUT, options);
    for (let run = 0; run < RUNS; run++) {
      localRuns.push(await runJob(world, {}, jobSource));
      s3Runs.push(await runJob(world, { ...s3.env(), ...s3Roots }, jobSource, jobIn));
    }
    let outBytes = 0n;
    let outputs = 0;
    for await (const object of jobOut.list()) {
      outBytes += object.size;
      outputs += 1;
    }
    const sourceMiB = (await stat(jobSource)).size / MiB;
    const localMs = median(localRuns.map((r) => r.wallMs));
    const s3Ms = median(s3Runs.map((r) => r.wallMs));
    console.log('| roots | createJob → COMPLETED | peak RSS (API + scheduler + transcoder) |');
    console.log('|---|---|---|');
    console.log(`| local | ${(localMs / 1000).toFixed(2)} s | ${median(localRuns.map((r) => r.peakRssMiB)).toFixed(0)} MiB |`);
    console.log(`| S3 (s3rver) | ${(s3Ms / 1000).toFixed(2)} s | ${median(s3Runs.map((r) => r.peakRssMiB)).toFixed(0)} MiB |`);
    console.log(`S3 / local wall time: ${(s3Ms / localMs).toFixed(3)}`);
    console.log(
      `bytes moved per S3 job: ${sourceMiB.toFixed(1)} MiB down (the source, spooled once; the scan's probe spools it once more), ${(Number(outBytes) / outputs / MiB).toFixed(1)} MiB up (the output)`,
    );
  } finally {
    await world.cleanup();
    await s3.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
