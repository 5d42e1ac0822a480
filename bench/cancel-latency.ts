/**
 * bench/cancel-latency: the two latency targets the tests only bound loosely.
 *
 * Against the whole platform as `npm start` composes it (one child process,
 * on the private NATS and PostgreSQL `npm run bench` starts), for a
 * single-pass and a chunked job of a generated source: the gaps between the
 * job's progress messages (target: at least twice a second) and the time from
 * cancelJob's answer to the last of the job's ffmpeg processes gone (target:
 * within 1 s). Prints figures only; it asserts nothing about them.
 *
 *   npm run bench -- cancel-latency [--seconds 60] [--runs 3]
 */
import { join } from 'node:path';
import { decodeJobProgress } from '@mpr/core';
import { PlatformProcess } from '@mpr/core/testing/platform-process';
import { waitFor } from '@mpr/core/testing/wait-for';
import { ffmpegProcesses } from '../test/e2e/transcoder-harness';
import { makeSource, median, option } from './support/bench.support';

const SECONDS = option('seconds', 60);
const RUNS = option('runs', 3);

interface Sample {
  progressGapsMs: number[];
  cancelMs: number;
}

async function measure(platform: PlatformProcess, assetId: string, chunked: boolean, run: number): Promise<Sample> {
  const input = `sourceAssetId: "${assetId}", presetId: "builtin-h264-720p", outputFilename: "run-${chunked ? 'chunked' : 'single'}-${run}.mp4"${chunked ? ', chunked: true' : ''}`;
  const { createJob } = await platform.query<{ createJob: { id: string } }>(`mutation { createJob(input: { ${input} }) { id } }`);
  const jobId = createJob.id;
  const arrivals: number[] = [];
  const subscription = platform.streams.nc.subscribe(platform.streams.names.jobProgressSubject(jobId), {
    callback: (_err, msg) => {
      if (decodeJobProgress(msg.string()).percent < 100) arrivals.push(performance.now());
    },
  });
  try {
    // Ten messages in: the encode runs at full speed, every segment of a chunked job under way.
    await waitFor(`ten progress messages of job ${jobId}`, () => arrivals.length, { done: (n) => n >= 10, timeoutMs: 120_000 });
    const cancelled = performance.now();
    await platform.query(`mutation { cancelJob(id: "${jobId}") { id } }`);
    await waitFor(`the ffmpeg processes of job ${jobId} to be gone`, async () => (await ffmpegProcesses(jobId)).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 5,
    });
    const cancelMs = performance.now() - cancelled;
    return { progressGapsMs: arrivals.slice(1).map((at, i) => at - arrivals[i]), cancelMs };
  } finally {
    subscription.unsubscribe();
  }
}

function report(label: string, samples: Sample[]): void {
  const gaps = samples.flatMap((s) => s.progressGapsMs);
  const cancels = samples.map((s) => s.cancelMs);
  console.log(
    `${label.padEnd(12)} progress gap median ${median(gaps).toFixed(0)} ms, max ${Math.max(...gaps).toFixed(0)} ms (target ≤ 500)` +
      `   cancel → ffmpeg gone median ${median(cancels).toFixed(0)} ms, max ${Math.max(...cancels).toFixed(0)} ms (target ≤ 1000)`,
  );
}

async function main(): Promise<void> {
  const platform = await PlatformProcess.start();
  try {
    console.log(`generating a ${SECONDS} s 1920x1080 30 fps source…`);
    await makeSource(join(platform.mediaIn, 'source.mp4'), SECONDS);
    await platform.query('mutation { scanMediaFolder { registered } }');
    const { assets } = await platform.query<{ assets: Array<{ id: string }> }>('query { assets(status: "ready") { id } }');
    for (const chunked of [false, true]) {
      const samples: Sample[] = [];
      for (let run = 1; run <= RUNS; run++) samples.push(await measure(platform, assets[0].id, chunked, run));
      report(chunked ? 'chunked' : 'single pass', samples);
    }
  } finally {
    await platform.stop();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
