/**
 * bench/job-overhead: what MPR adds to an FFmpeg transcode.
 *
 * The same 1080p → 720p H.264 transcode of a generated source, (a) as raw
 * ffmpeg with exactly the arguments the command builder produces, and (b) as
 * an MPR job from createJob to COMPLETED (API, scheduler and transcoder in
 * this process, on the private NATS and PostgreSQL `npm run bench` starts).
 * Prints wall times, the overhead, and the time from createJob to ffmpeg
 * starting. Prints figures only; it asserts nothing about them.
 *
 *   npm run bench -- job-overhead [--seconds 60] [--runs 1]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BUILTIN_PRESETS, buildTranscodeCommand, ffmpegArgv, FfprobeRepository, loadConfig, PROGRESS_ARGS, type RunningService, startService } from '@mpr/core';
import { apiService } from '../services/api/src/api.service-definition';
import { schedulerService } from '../services/scheduler/src/scheduler.service-definition';
import { transcoderService } from '../services/transcoder/src/transcoder.service-definition';
import { benchWorld, graphql, makeSource, median, option, waitForEnd } from './support/bench.support';

const SECONDS = option('seconds', 60);
const RUNS = option('runs', 1);
const PRESET_ID = 'builtin-h264-720p';

async function rawFfmpeg(source: string, output: string): Promise<number> {
  const probe = await new FfprobeRepository().probe(source);
  const preset = BUILTIN_PRESETS.find((p) => p.presetId === PRESET_ID)!.settings;
  const args = ffmpegArgv(buildTranscodeCommand({ input: source, output, preset, source: probe }));
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('ffmpeg', [...PROGRESS_ARGS, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${stderr.slice(-500)}`))));
  });
  return performance.now() - started;
}

/** The transcoder's own measurement: createJob's event → ffmpeg spawned. */
async function ffmpegStartLatency(transcoderUrl: string): Promise<number | undefined> {
  const text = await (await fetch(`${transcoderUrl}/metrics`)).text();
  const sum = /^mpr_ffmpeg_start_latency_seconds_sum\{[^}]*\} (\S+)$/m.exec(text);
  const count = /^mpr_ffmpeg_start_latency_seconds_count\{[^}]*\} (\S+)$/m.exec(text);
  return sum && count && Number(count[1]) > 0 ? (Number(sum[1]) / Number(count[1])) * 1000 : undefined;
}

async function main(): Promise<void> {
  const world = await benchWorld();
  const { streams } = world;
  const services: RunningService[] = [];
  try {
    const source = join(world.mediaIn, 'source.mp4');
    console.log(`generating a ${SECONDS} s 1920x1080 30 fps source…`);
    await makeSource(source, SECONDS);

    const config = loadConfig(world.env);
    for (const definition of [apiService, schedulerService, transcoderService]) services.push(await startService(definition, config));
    const [api, , transcoder] = services;
    await graphql(api.url, 'mutation { scanMediaFolder { registered } }');
    const [asset] = (await graphql(api.url, 'query { assets(status: "ready") { id } }')).assets;

    const raw: number[] = [];
    const job: number[] = [];
    const toStart: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      raw.push(await rawFfmpeg(source, join(world.dir, `raw-${i}.mp4`)));
      const started = performance.now();
      const created = await graphql(
        api.url,
        `mutation { createJob(input: { sourceAssetId: "${asset.id}", presetId: "${PRESET_ID}", outputFilename: "run-${i}.mp4" }) { id } }`,
      );
      const completed = await waitForEnd(streams, created.createJob.id);
      job.push(performance.now() - started);
      if (completed !== 'JobCompleted') throw new Error(`job ended with ${completed}`);
      const latency = await ffmpegStartLatency(transcoder.url);
      if (latency !== undefined) toStart.push(latency);
    }
    const a = median(raw);
    const b = median(job);
    console.log('');
    console.log(`source                         ${SECONDS} s 1080p30 → ${PRESET_ID}, ${RUNS} run(s), median`);
    console.log(`(a) raw ffmpeg                 ${(a / 1000).toFixed(2)} s`);
    console.log(`(b) MPR job, createJob→done    ${(b / 1000).toFixed(2)} s`);
    console.log(`overhead                       ${(b - a).toFixed(0)} ms (${(((b - a) / a) * 100).toFixed(2)} %)`);
    if (toStart.length) console.log(`createJob → ffmpeg started     ${median(toStart).toFixed(1)} ms (mean per run, transcoder's metric)`);
  } finally {
    await Promise.allSettled(services.map((s) => s.app.close()));
    await world.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
