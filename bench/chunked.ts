/**
 * bench/chunked: what chunked encoding buys over a single pass.
 *
 * A generated 1080p30 source (keyframe every second) → builtin H.264 720p:
 * (a) a single-pass MPR job (transcoder in this process);
 * (b) the same as a chunked job, with 1, 2 and 4 segment workers on this
 *     machine (the chunker restarted in this process with MPR_CHUNK_WORKERS);
 * (c) what a second machine would give: a single pass with the transcoder
 *     pinned to one core (`taskset -c 0`), against two chunker replicas
 *     pinned to one core each (`taskset -c 0` / `-c 1`, one worker each),
 *     all as child processes of dist/services/<name>/main.js. The platform
 *     (this process with the API and scheduler, the run's nats-server and
 *     PostgreSQL) stays with the first machine: pinned to core 0 in both,
 *     as it would not move to a second machine added for a chunker.
 *     Each round also measures the machine itself: one raw segment encode
 *     alone against two side by side on the two cores (the best (c) can be
 *     here is about 2 / that factor).
 * Prints wall times (createJob → JobCompleted), ratios and the stitch+verify
 * share of a chunked job (chunker telemetry 'stitching' → 'verified', as
 * this process received them). Prints figures only; asserts nothing.
 *
 *   npm run bench -- chunked [--seconds 60] [--runs 3] [--workers 1,2,4] [--pinned 0] [--pin-platform 0] [--chunk 8,15]
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  BUILTIN_PRESETS,
  buildSegmentEncodeCommand,
  ffmpegArgv,
  FfprobeRepository,
  loadConfig,
  type ProbeResult,
  type RunningService,
  startService,
} from '@mpr/core';
import { ServiceProcess } from '@mpr/core/testing/service-process';
import { TEST_DATABASE_URL, TEST_NATS_URL, type TestStreams } from '@mpr/core/testing/test-infra';
import { apiService } from '../services/api/src/api.service-definition';
import { chunkerService } from '../services/chunker/src/chunker.service-definition';
import { schedulerService } from '../services/scheduler/src/scheduler.service-definition';
import { transcoderService } from '../services/transcoder/src/transcoder.service-definition';
import { benchWorld, graphql, makeSource, median, option, waitForEnd } from './support/bench.support';

const SECONDS = option('seconds', 60);
const PRESET_ID = 'builtin-h264-720p';
/** `--workers 2` runs (b) with those worker counts only, `--workers 0` skips it; `--pinned 0` skips (c). */
const WORKERS = (process.argv.includes('--workers') ? String(process.argv[process.argv.indexOf('--workers') + 1]) : '1,2,4')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const PINNED = option('pinned', 1) > 0;
/** `--pin-platform 0`: in (c), leave the platform's processes free to use either core (as until 2026-11-25). */
const PIN_PLATFORM = option('pin-platform', 1) > 0;
const SETTLE_MS = 3_000;
/** `--runs N`: rounds of every configuration, medians reported. */
const RUNS = Math.max(1, option('runs', 1));
/**
 * `--chunk 8,15`: the chunkDuration of every chunked job, each length in
 * turn within a round (`default`: none given, the chunker sizes the segments
 * for the workers there are). By default none given.
 */
const CHUNKS: Array<number | undefined> = (process.argv.includes('--chunk') ? String(process.argv[process.argv.indexOf('--chunk') + 1]) : 'default')
  .split(',')
  .map((c) => (c === 'default' ? undefined : Number(c)))
  .filter((n) => n === undefined || n > 0);
/** The segment length of the machine's side-by-side measurement. */
const CALIBRATION_SECONDS = 8;

const run = promisify(execFile);

type PlannedBody = { chunkDuration?: number; workers?: number; segments?: unknown[] };
type RebalancedBody = { segments?: Array<{ duration: number }>; lagSeconds?: number };

/** Every chunker telemetry event, with the time this process received it, by job id. */
function watchChunkerTelemetry(streams: TestStreams): {
  at(jobId: string, event: string): number | undefined;
  all(jobId: string, pattern: RegExp): number[];
  planned(jobId: string): PlannedBody | undefined;
  rebalanced(jobId: string): RebalancedBody | undefined;
  stop(): void;
} {
  const seen = new Map<string, number>();
  // The latest payload of each event, by `<jobId> <event>`.
  const bodies = new Map<string, unknown>();
  const sub = streams.nc.subscribe(streams.names.telemetrySubject('chunker', '*', '>'), {
    callback: (_err, msg) => {
      const prefix = `${streams.names.telemetrySubject('chunker')}.`;
      const [jobId, ...rest] = msg.subject.slice(prefix.length).split('.');
      const key = `${jobId} ${rest.join('.')}`;
      if (!seen.has(key)) seen.set(key, performance.now());
      if (['planned', 'rebalanced'].includes(rest.join('.'))) bodies.set(key, JSON.parse(msg.string()));
    },
  });
  return {
    at: (jobId, event) => seen.get(`${jobId} ${event}`),
    all: (jobId, pattern) => [...seen].filter(([key]) => key.startsWith(`${jobId} `) && pattern.test(key.slice(jobId.length + 1))).map(([, at]) => at),
    planned: (jobId) => bodies.get(`${jobId} planned`) as PlannedBody | undefined,
    rebalanced: (jobId) => bodies.get(`${jobId} rebalanced`) as RebalancedBody | undefined,
    stop: () => sub.unsubscribe(),
  };
}

/**
 * CPU seconds used so far by the platform's own processes, not ffmpeg, by
 * part: this process (API, scheduler, in-process services, the bench's own
 * bookkeeping), the service children, and every nats-server and postgres
 * process (Linux /proc; 0 elsewhere).
 */
async function platformCpu(children: readonly ChildProcess[]): Promise<{ bench: number; services: number; natsPostgres: number }> {
  const own = process.cpuUsage();
  let serviceTicks = 0;
  let ticks = 0;
  const pids = new Set(children.map((c) => c.pid).filter((p): p is number => p !== undefined));
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (!pids.has(Number(entry)) && comm !== 'nats-server' && comm !== 'postgres') continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const used = Number(fields[11]) + Number(fields[12]);
    if (pids.has(Number(entry))) serviceTicks += used;
    else ticks += used;
  }
  // USER_HZ is 100 on Linux.
  return { bench: (own.user + own.system) / 1e6, services: serviceTicks / 100, natsPostgres: ticks / 100 };
}

/**
 * The platform's processes: this one (API, scheduler, the bench), the
 * nats-server and the PostgreSQL server (postmaster and backends) the run
 * talks to, found by their ports (Linux /proc; none elsewhere).
 */
async function platformPids(): Promise<number[]> {
  const natsPort = new URL(TEST_NATS_URL).port || '4222';
  const pgPort = new URL(TEST_DATABASE_URL).port || '5432';
  const procs: Array<{ pid: number; ppid: number; comm: string; argv: string[] }> = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    procs.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), comm, argv });
  }
  const port = (argv: string[], value: string) =>
    argv.some((a, i) => a === '-p' && argv[i + 1] === value) || argv.some((a) => a === `-p ${value}` || a.includes(`-p ${value} `));
  const nats = procs.filter((p) => p.comm === 'nats-server' && port(p.argv, natsPort)).map((p) => p.pid);
  const postmaster = procs.filter((p) => p.comm === 'postgres' && port(p.argv, pgPort)).map((p) => p.pid);
  const backends = procs.filter((p) => postmaster.includes(p.ppid)).map((p) => p.pid);
  return [process.pid, ...nats, ...postmaster, ...backends];
}

/** Every thread of the platform's processes onto `cpus` (a taskset list). */
async function pinPlatform(cpus: string): Promise<number> {
  const pinned = await Promise.all(
    (await platformPids()).map((pid) =>
      run('taskset', ['-a', '-p', '-c', cpus, String(pid)]).then(
        () => 1,
        () => 0,
      ),
    ),
  );
  return pinned.reduce((a: number, b: number) => a + b, 0);
}

/**
 * What the machine gives two encodes at once: one segment encode (the
 * chunker's own arguments, one thread) alone on core 1, then on cores 0 and
 * 1 side by side. Returns the side-by-side time over the time alone.
 */
async function sideBySideFactor(source: string, probe: ProbeResult, dir: string): Promise<number> {
  const preset = BUILTIN_PRESETS.find((p) => p.presetId === PRESET_ID)!.settings;
  const encode = async (core: number): Promise<number> => {
    const output = join(dir, `calibration-${core}.mkv`);
    const args = ffmpegArgv(
      buildSegmentEncodeCommand({
        input: source,
        inputOffset: 0,
        cut: { start: 0, end: CALIBRATION_SECONDS },
        preset,
        source: probe,
        output,
        threads: 1,
      }),
    );
    const started = performance.now();
    await run('taskset', ['-c', String(core), 'ffmpeg', '-v', 'error', ...args]);
    await rm(output, { force: true });
    return performance.now() - started;
  };
  const alone = await encode(1);
  const together = await Promise.all([encode(0), encode(1)]);
  return Math.max(...together) / alone;
}

interface Result {
  wallMs: number;
  /** CPU seconds the platform's processes (not ffmpeg) used during the job. */
  platformCpu?: number;
  platformCpuParts?: { bench: number; services: number; natsPostgres: number };
  /** 'stitching' → 'verified', for chunked jobs. */
  stitchMs?: number;
  /** Where a chunked job's time went, from createJob (ms at the end of each phase). */
  phases?: Record<string, number>;
  /** Each segment's encode, started–done in s from createJob. */
  segments?: string[];
  /** The chunker's plan: segments of about this many seconds, for that many workers (when it counted them). */
  plan?: { chunkDuration?: number; workers?: number; count: number; tail?: { lagSeconds: number; last: number[] } };
}

async function main(): Promise<void> {
  const world = await benchWorld();
  const { streams, env } = world;
  const services: RunningService[] = [];
  const children: ServiceProcess[] = [];
  const telemetry = watchChunkerTelemetry(streams);
  try {
    console.log(`generating a ${SECONDS} s 1920x1080 30 fps source…`);
    const sourcePath = join(world.mediaIn, 'source.mp4');
    await makeSource(sourcePath, SECONDS);
    const sourceProbe = await new FfprobeRepository().probe(sourcePath);
    const allCpus = `0-${availableParallelism() - 1}`;

    const start = async (definition: Parameters<typeof startService>[0], extra: Record<string, string> = {}) => {
      const service = await startService(definition, loadConfig({ ...env, ...extra }));
      services.push(service);
      return service;
    };
    const stop = async (service: RunningService) => {
      services.splice(services.indexOf(service), 1);
      await service.app.close();
    };
    const spawnService = async (name: string, extra: Record<string, string>, cpus: string) => {
      const child = new ServiceProcess(name, { ...env, MPR_LOG_LEVEL: 'log', ...extra }, { cpus });
      children.push(child);
      await child.ready;
      // Replicas are long-running: let a fresh one finish loading and collecting its start-up garbage
      // (~1 s of CPU in a chunker, profiled) before it is timed.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      return child;
    };
    const stopChildren = async () => {
      await Promise.allSettled(children.splice(0).map((c) => c.stop()));
    };

    const api = await start(apiService);
    await start(schedulerService);
    await graphql(api.url, 'mutation { scanMediaFolder { registered } }');
    const [asset] = (await graphql(api.url, 'query { assets(status: "ready") { id } }')).assets;

    let n = 0;
    const job = async (chunked: boolean, chunkDuration?: number): Promise<Result> => {
      const fields = chunked ? `, chunked: true${chunkDuration !== undefined ? `, chunkDuration: ${chunkDuration}` : ''}` : '';
      const cpuBefore = await platformCpu(children.map((c) => c.child));
      const started = performance.now();
      const created = await graphql(
        api.url,
        `mutation { createJob(input: { sourceAssetId: "${asset.id}", presetId: "${PRESET_ID}", outputFilename: "run-${n++}.mp4"${fields} }) { id } }`,
      );
      const jobId: string = created.createJob.id;
      const end = await waitForEnd(streams, jobId);
      const wallMs = performance.now() - started;
      const cpuAfter = await platformCpu(children.map((c) => c.child));
      const platformCpuParts = {
        bench: cpuAfter.bench - cpuBefore.bench,
        services: cpuAfter.services - cpuBefore.services,
        natsPostgres: cpuAfter.natsPostgres - cpuBefore.natsPostgres,
      };
      const platformCpuUsed = platformCpuParts.bench + platformCpuParts.services + platformCpuParts.natsPostgres;
      if (end !== 'JobCompleted') throw new Error(`job ${jobId} ended with ${end}`);
      if (!chunked) return { wallMs, platformCpu: platformCpuUsed, platformCpuParts };
      // The verified event is published just before CompleteJob; give it a moment to arrive.
      for (let i = 0; i < 40 && telemetry.at(jobId, 'verified') === undefined; i++) await new Promise((r) => setTimeout(r, 25));
      const stitching = telemetry.at(jobId, 'stitching');
      const verified = telemetry.at(jobId, 'verified');
      const since = (at: number | undefined) => (at === undefined ? Number.NaN : at - started);
      const phases = {
        planned: since(telemetry.at(jobId, 'planned')),
        split: since(telemetry.at(jobId, 'split')),
        'tail moved': since(telemetry.at(jobId, 'rebalanced')),
        'first segment started': since(Math.min(...telemetry.all(jobId, /^segment\.\d+\.started$/))),
        'last segment done': since(Math.max(...telemetry.all(jobId, /^segment\.\d+\.done$/))),
        stitching: since(stitching),
        verified: since(verified),
        completed: wallMs,
      };
      const segments = telemetry
        .all(jobId, /^segment\.\d+\.started$/)
        .map((_, i) => [telemetry.at(jobId, `segment.${i}.started`), telemetry.at(jobId, `segment.${i}.done`)])
        .map(([from, to]) => `${((since(from) ?? 0) / 1000).toFixed(1)}–${((since(to) ?? 0) / 1000).toFixed(1)}`);
      const planned = telemetry.planned(jobId);
      const tail = telemetry.rebalanced(jobId);
      const plan = {
        chunkDuration: planned?.chunkDuration,
        workers: planned?.workers,
        count: planned?.segments?.length ?? 0,
        tail: tail?.segments ? { lagSeconds: tail.lagSeconds ?? 0, last: tail.segments.slice(-2).map((s) => s.duration) } : undefined,
      };
      return {
        wallMs,
        platformCpu: platformCpuUsed,
        platformCpuParts,
        phases,
        segments,
        plan,
        stitchMs: stitching !== undefined && verified !== undefined ? verified - stitching : undefined,
      };
    };

    const cpuText = (r: Result) =>
      r.platformCpuParts
        ? `${(r.platformCpu ?? 0).toFixed(2)} s (this process ${r.platformCpuParts.bench.toFixed(2)}, service processes ${r.platformCpuParts.services.toFixed(2)}, nats-server + postgres ${r.platformCpuParts.natsPostgres.toFixed(2)})`
        : 'n/a';
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const share = (r: Result) => (r.stitchMs === undefined ? 'n/a' : `${s(r.stitchMs)} (${((r.stitchMs / r.wallMs) * 100).toFixed(1)} %)`);

    const taskset = await run('taskset', ['-c', '0', 'true']).then(
      () => true,
      () => false,
    );
    const pinnedRuns = taskset && PINNED;
    // Rounds of every configuration in turn: this VM's speed drifts, so each round's ratios are paired
    // (measured minutes apart) and the medians over rounds are reported.
    // Results of chunked jobs by `${workers}/${chunkDuration}` and, pinned, by chunkDuration.
    const rounds: Array<{ single: Result; chunked: Map<string, Result>; pinned?: { single: Result; chunked: Map<string, Result>; sideBySide: number } }> = [];
    const several = CHUNKS.length > 1;
    const chunkLabel = (chunk: number | undefined) => (several ? `, ${chunk === undefined ? 'default' : `${chunk} s`} chunks` : '');
    const key = (chunk: number | undefined) => String(chunk ?? 'default');
    for (let round = 1; round <= RUNS; round++) {
      console.log(`round ${round}/${RUNS}: (a) single pass…`);
      const transcoder = await start(transcoderService, { MPR_TRANSCODE_CONCURRENCY: '1' });
      const single = await job(false);
      await stop(transcoder);
      const chunked = new Map<string, Result>();
      for (const workers of WORKERS) {
        const chunker = await start(chunkerService, { MPR_CHUNK_WORKERS: String(workers) });
        for (const chunk of CHUNKS) {
          console.log(`round ${round}/${RUNS}: (b) chunked, ${workers} worker(s)${chunkLabel(chunk)}…`);
          chunked.set(`${workers}/${key(chunk)}`, await job(true, chunk));
        }
        await stop(chunker);
      }
      let pinned: { single: Result; chunked: Map<string, Result>; sideBySide: number } | undefined;
      if (pinnedRuns) {
        console.log(`round ${round}/${RUNS}: (c) the machine: one encode alone, two side by side…`);
        const sideBySide = await sideBySideFactor(sourcePath, sourceProbe, world.dir);
        const pinnedCount = PIN_PLATFORM ? await pinPlatform('0') : 0;
        console.log(`round ${round}/${RUNS}: (c) single pass on core 0 (the platform's ${pinnedCount} processes on core 0 too)…`);
        await spawnService('transcoder', { MPR_TRANSCODE_CONCURRENCY: '1' }, '0');
        const pinnedSingle = await job(false);
        await stopChildren();
        await Promise.all([spawnService('chunker', { MPR_CHUNK_WORKERS: '1' }, '0'), spawnService('chunker', { MPR_CHUNK_WORKERS: '1' }, '1')]);
        const pinnedChunked = new Map<string, Result>();
        for (const chunk of CHUNKS) {
          console.log(`round ${round}/${RUNS}: (c) chunked, two replicas on cores 0 and 1${chunkLabel(chunk)}…`);
          pinnedChunked.set(key(chunk), await job(true, chunk));
        }
        await stopChildren();
        await pinPlatform(allCpus);
        pinned = { single: pinnedSingle, chunked: pinnedChunked, sideBySide };
      }
      rounds.push({ single, chunked, pinned });
    }

    const each = (values: number[], format: (v: number) => string) => (values.length > 1 ? `  (${values.map(format).join(', ')})` : '');
    const ratio = (v: number) => `×${v.toFixed(2)}`;
    const line = (label: string, walls: number[], ratios?: number[], extra = '') =>
      console.log(
        `${label.padEnd(39)}${s(median(walls))}${ratios ? `  ${ratio(median(ratios))}${extra}` : ''}${each(walls, s)}${ratios ? ` ratios${each(ratios, ratio)}` : ''}`,
      );

    console.log('');
    console.log(
      `source ${SECONDS} s 1920x1080 30 fps → ${PRESET_ID}, chunkDuration ${CHUNKS.map((c) => (c === undefined ? 'default (for the workers there are)' : `${c} s`)).join(', ')}; wall = createJob → JobCompleted; median of ${RUNS} round(s), ratios paired within a round`,
    );
    line(
      '(a) single pass (transcoder)',
      rounds.map((r) => r.single.wallMs),
    );
    console.log(`${''.padEnd(39)}platform CPU (node, nats-server, postgres; not ffmpeg) ${cpuText(rounds.at(-1)!.single)}`);
    for (const [workers, chunk] of WORKERS.flatMap((w) => CHUNKS.map((c) => [w, c]))) {
      const runs = rounds.map((r) => ({ single: r.single, chunked: r.chunked.get(`${workers}/${key(chunk)}`)! }));
      line(
        `(b) chunked, ${workers} worker(s)${chunkLabel(chunk)}`,
        runs.map((r) => r.chunked.wallMs),
        runs.map((r) => r.single.wallMs / r.chunked.wallMs),
        ` vs (a), stitch+verify ${share(runs.at(-1)!.chunked)}`,
      );
    }
    if (pinnedRuns) {
      const runs = rounds.map((r) => r.pinned!);
      line(
        '(c) single pass, taskset -c 0',
        runs.map((r) => r.single.wallMs),
      );
      for (const chunk of CHUNKS) {
        const chunkedRuns = runs.map((r) => ({ single: r.single, chunked: r.chunked.get(key(chunk))! }));
        line(
          `(c) 2 replicas on cores 0, 1${chunkLabel(chunk)}`,
          chunkedRuns.map((r) => r.chunked.wallMs),
          chunkedRuns.map((r) => r.single.wallMs / r.chunked.wallMs),
          ` vs pinned single pass, stitch+verify ${share(chunkedRuns.at(-1)!.chunked)}`,
        );
      }
      const factors = runs.map((r) => r.sideBySide);
      console.log(
        `${'(c) the machine'.padEnd(39)}two raw encodes side by side ×${median(factors).toFixed(2)} the time of one alone${each(factors, (v) => `×${v.toFixed(2)}`)}: (c) ≤ ×${(2 / median(factors)).toFixed(2)} here`,
      );
      console.log(
        `${''.padEnd(39)}(the platform — API, scheduler, nats-server, PostgreSQL — ${PIN_PLATFORM ? "pinned to core 0 with the first machine's encoder" : 'free to use either core'})`,
      );
    } else {
      console.log('(c) skipped: taskset (util-linux) is not available, or --pinned 0');
    }
    console.log('');
    console.log('chunked timelines of the last round (s from createJob, at the end of each phase):');
    const last = rounds.at(-1)!;
    const timelines: Array<[string, Result]> = [
      ...WORKERS.flatMap((w) => CHUNKS.map((c): [string, Result] => [`(b) ${w} worker(s)${chunkLabel(c)}`, last.chunked.get(`${w}/${key(c)}`)!])),
      ...CHUNKS.flatMap((c): Array<[string, Result]> => (last.pinned ? [[`(c) 2 pinned replicas${chunkLabel(c)}`, last.pinned.chunked.get(key(c))!]] : [])),
    ];
    for (const [label, r] of timelines) {
      // An MP4 source has no split phase: its segments seek into the source.
      const phases = Object.entries(r.phases ?? {}).filter(([, ms]) => Number.isFinite(ms));
      console.log(`  ${label.padEnd(24)} ${phases.map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(2)}`).join(' · ')}`);
      const tail = r.plan?.tail ? `, audio ${r.plan.tail.lagSeconds.toFixed(1)} s → last two ${r.plan.tail.last.map((d) => d.toFixed(1)).join(' + ')} s` : '';
      const plan = r.plan ? `plan ${r.plan.count} × ~${r.plan.chunkDuration} s${r.plan.workers ? ` for ${r.plan.workers} worker(s)` : ''}${tail} · ` : '';
      console.log(`  ${''.padEnd(24)} ${plan}segments ${(r.segments ?? []).join(' ')}`);
      console.log(`  ${''.padEnd(24)} platform CPU (node, nats-server, postgres; not ffmpeg) ${cpuText(r)}`);
    }
  } finally {
    telemetry.stop();
    await Promise.allSettled(children.map((c) => c.stop()));
    await Promise.allSettled(services.map((s) => s.app.close()));
    await world.cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
