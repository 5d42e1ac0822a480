import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import {
  assetDecider,
  type AssetState,
  BUILTIN_PRESETS,
  decodeJobProgress,
  enqueueTranscode,
  FfprobeRepository,
  fold,
  handleCommand,
  jobDecider,
  type JobEvent,
  type JobState,
  loadConfig,
  presetDecider,
  type PresetSettingsInit,
  type RunningService,
  startService,
  type StoredEvent,
  assetIdFor,
  type AssetEvent,
  transcodeConsumerName,
  type PriorityClass,
} from '@mpr/core';
import { createTestMediaRoots, createTestStreams, type TestMediaRoots, type TestStreams, testServiceEnv } from '@mpr/core/testing/test-infra';
import { ServiceProcess } from '@mpr/core/testing/service-process';
export { makeKeyframedSource, outputFacts, probeStreams, type StreamProbe } from '@mpr/core/testing/media-fixtures';
import { waitFor } from '@mpr/core/testing/wait-for';
import { chunkerService } from '../../services/chunker/src/chunker.service-definition';
import { transcoderService } from '../../services/transcoder/src/transcoder.service-definition';

export interface JobOptions {
  presetId: string;
  outputFilename: string;
  trimStart?: number;
  trimEnd?: number;
  priority?: Priority;
}

export interface ProgressSample {
  /** ms since the epoch, when this test saw it. */
  at: number;
  attempt: number;
  percent: number;
  fps: number;
  speed: number;
  currentTime: number;
  etaSeconds: number;
}

/**
 * One private world for transcoder tests: its own streams, media roots in a
 * temp folder, and helpers that play the API's and the scheduler's parts
 * (register assets, seed presets, create jobs, queue work items).
 */
export class TranscoderWorld {
  readonly js: JetStreamClient;
  private readonly children = new Set<TranscoderProcess>();
  private readonly services = new Set<RunningService>();

  private constructor(
    readonly streams: TestStreams,
    private readonly media: TestMediaRoots,
  ) {
    this.js = jetstream(streams.nc);
    this.mediaIn = media.mediaIn;
    this.mediaOut = media.mediaOut;
  }

  readonly mediaIn: string;
  readonly mediaOut: string;

  static async create(): Promise<TranscoderWorld> {
    const [streams, media] = await Promise.all([createTestStreams(), createTestMediaRoots('mpr-transcoder-')]);
    return new TranscoderWorld(streams, media);
  }

  get store() {
    return this.streams.store;
  }

  /** Only /healthz uses PostgreSQL in the transcoder and chunker: the shared test database serves. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return testServiceEnv({ streams: this.streams, media: this.media }, { MPR_TRANSCODER_PORT: '0', ...extra });
  }

  /** The transcoder in this process. */
  async startTranscoder(extra: Record<string, string> = {}): Promise<RunningService> {
    const service = await startService(transcoderService, loadConfig(this.env(extra)));
    this.services.add(service);
    return service;
  }

  /** The chunker in this process, closed by cleanup: two segment workers on two cores whatever the machine has (the audio is then a queued item). */
  async startChunker(extra: Record<string, string> = {}): Promise<RunningService> {
    const env = this.env({ MPR_CHUNKER_PORT: '0', MPR_CHUNK_WORKERS: '2', MPR_CHUNK_CORES: '2', MPR_LOG_LEVEL: 'warn', ...extra });
    const service = await startService(chunkerService, loadConfig(env));
    this.services.add(service);
    return service;
  }

  async stopTranscoder(service: RunningService): Promise<void> {
    this.services.delete(service);
    await service.app.close();
  }

  /** The transcoder as its own process (`node dist/services/transcoder/main.js`), ready when it printed its URL. */
  async spawnTranscoder(extra: Record<string, string> = {}): Promise<TranscoderProcess> {
    const child = new TranscoderProcess(this.env({ MPR_LOG_LEVEL: 'log', ...extra }));
    this.children.add(child);
    await child.ready;
    return child;
  }

  async seedPresets(): Promise<void> {
    await Promise.all(BUILTIN_PRESETS.map((p) => this.createPreset(p.presetId, p.settings, true)));
  }

  async createPreset(presetId: string, settings: PresetSettingsInit, builtin = false): Promise<void> {
    await handleCommand(this.store, { type: 'preset', id: presetId }, presetDecider, { type: 'CreatePreset', presetId, settings, builtin });
  }

  /** Registers a file under MEDIA_IN as the API's scan would: RegisterAsset, then RecordProbe of a real probe. */
  async registerSource(absolutePath: string): Promise<string> {
    const filePath = relative(this.mediaIn, absolutePath);
    const assetId = assetIdFor('in', filePath);
    const probe = await new FfprobeRepository().probe(absolutePath);
    const ref = { type: 'asset' as const, id: assetId };
    await handleCommand(this.store, ref, assetDecider, {
      type: 'RegisterAsset',
      assetId,
      filePath,
      filename: filePath.split('/').pop() ?? filePath,
      fileSize: (await stat(absolutePath, { bigint: true })).size,
      root: 'in',
    });
    await handleCommand(this.store, ref, assetDecider, { type: 'RecordProbe', assetId, probe });
    return assetId;
  }

  async createJob(sourceAssetId: string, options: JobOptions): Promise<string> {
    const jobId = randomUUID();
    await handleCommand(this.store, { type: 'job', id: jobId }, jobDecider, {
      type: 'CreateJob',
      jobId,
      sourceAssetId,
      presetId: options.presetId,
      trimStart: options.trimStart,
      trimEnd: options.trimEnd,
      outputFilename: options.outputFilename,
      executor: Executor.LOCAL,
      chunked: false,
      priority: options.priority ?? Priority.NORMAL,
    });
    return jobId;
  }

  /** What the scheduler does for a pending attempt. */
  async enqueue(jobId: string, attempt = 1, priority = Priority.NORMAL): Promise<void> {
    await enqueueTranscode(this.js, this.streams.names, { jobId, attempt, priority, queuedAt: new Date() });
  }

  /** Creates a job, queues it, and resolves with its id once its encode has reported more than `percentAbove` %: ffmpeg runs. */
  async startEncode(sourceAssetId: string, options: JobOptions, percentAbove = 0): Promise<string> {
    const jobId = await this.createJob(sourceAssetId, options);
    const progress = this.watchProgress(jobId);
    try {
      await this.enqueue(jobId);
      await until(`job ${jobId}'s encode to be past ${percentAbove} %`, () => progress.samples.some((s) => s.percent > percentAbove), 30_000);
    } finally {
      progress.stop();
    }
    return jobId;
  }

  async createAndEnqueue(sourceAssetId: string, options: JobOptions): Promise<string> {
    const jobId = await this.createJob(sourceAssetId, options);
    await this.enqueue(jobId, 1, options.priority ?? Priority.NORMAL);
    return jobId;
  }

  async jobEvents(jobId: string): Promise<StoredEvent[]> {
    return (await this.store.load({ type: 'job', id: jobId })).events;
  }

  async job(jobId: string): Promise<JobState> {
    return fold(
      jobDecider,
      (await this.jobEvents(jobId)).map((e) => e.event as JobEvent),
    );
  }

  async asset(assetId: string): Promise<AssetState> {
    const { events } = await this.store.load({ type: 'asset', id: assetId });
    return fold(
      assetDecider,
      events.map((e) => e.event as AssetEvent),
    );
  }

  /** Resolves with the job's state once `done` holds for it; each of its events wakes the wait, a re-read every 500 ms covers one missed between read and wait. */
  /**
   * Reads the job again on each of its events, and every `intervalMs` besides. Every read loads the job's events
   * (an ordered consumer made and deleted): hundreds of jobs waited on at once (the [M5] matrix) take a longer
   * interval, the events waking each wait anyway.
   */
  async waitForJob(jobId: string, done: (job: JobState) => boolean, timeoutMs = 30_000, intervalMs = 500): Promise<JobState> {
    const subject = this.streams.names.aggregateSubject({ type: 'job', id: jobId });
    return waitFor(`job ${jobId}`, () => this.job(jobId), {
      done,
      timeoutMs,
      intervalMs,
      describe: (job) => `${job.status} (attempt ${job.attempt}): ${job.errorMessage}`,
      wakeOn: (wake) => {
        const subscription = this.streams.nc.subscribe(subject, { callback: () => wake() });
        return () => subscription.unsubscribe();
      },
    });
  }

  waitForStatus(jobId: string, status: JobState['status'], timeoutMs?: number): Promise<JobState> {
    return this.waitForJob(jobId, (job) => job.status === status, timeoutMs);
  }

  /** Every JobProgress published for the job from now on. */
  watchProgress(jobId: string): { samples: ProgressSample[]; stop(): void } {
    const samples: ProgressSample[] = [];
    const subscription = this.streams.nc.subscribe(this.streams.names.jobProgressSubject(jobId), {
      callback: (_err, msg) => {
        const p = decodeJobProgress(msg.string());
        samples.push({
          at: Date.now(),
          attempt: p.attempt,
          percent: p.percent,
          fps: p.fps,
          speed: p.speed,
          currentTime: p.currentTime,
          etaSeconds: p.etaSeconds,
        });
      },
    });
    return { samples, stop: () => subscription.unsubscribe() };
  }

  /** num_pending and num_ack_pending of a class's consumer. */
  async queueState(cls: PriorityClass = 'normal'): Promise<{ pending: number; unacknowledged: number }> {
    return this.consumerState(transcodeConsumerName(cls));
  }

  /** num_pending and num_ack_pending of any consumer on MPR_WORK (e.g. chunkConsumerName('segment')). */
  async consumerState(consumer: string): Promise<{ pending: number; unacknowledged: number }> {
    const jsm = await jetstreamManager(this.streams.nc);
    const info = await jsm.consumers.info(this.streams.names.work, consumer);
    return { pending: info.num_pending, unacknowledged: info.num_ack_pending };
  }

  /** Files under MEDIA_OUT, relative, sorted, hidden ones included. */
  async outputFiles(): Promise<string[]> {
    return (await filesUnder(this.mediaOut)).map((file) => relative(this.mediaOut, file)).sort();
  }

  async cleanup(): Promise<void> {
    await Promise.allSettled([...this.children].map((c) => c.stop()));
    await Promise.allSettled([...this.services].map((s) => s.app.close()));
    await this.streams.cleanup();
    await this.media.remove();
  }
}

/**
 * Every file below `dir`. A folder removed while it is read (a chunked job's
 * work directory, as its attempt ends) holds nothing any more: skipped, where
 * a recursive readdir would fail with ENOENT.
 */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
    throw err;
  });
  const nested = await Promise.all(entries.map(async (e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [])));
  return nested.flat();
}

/** A transcoder child process with its JSON log lines. */
export class TranscoderProcess extends ServiceProcess {
  constructor(env: Record<string, string>) {
    super('transcoder', env);
  }
}

/** Pids of running ffmpeg (or `binary`, e.g. ffprobe) processes whose command line mentions `text` (e.g. a job id). */
export async function ffmpegProcesses(text: string, binary = 'ffmpeg'): Promise<number[]> {
  return (await processesMatching((argv) => argv[0]?.endsWith(binary) && argv.some((a) => a.includes(text)))).map((p) => p.pid);
}

/** Running processes whose argv passes `match`, with their argv. */
export async function processesMatching(match: (argv: string[]) => boolean): Promise<Array<{ pid: number; argv: string[] }>> {
  const found: Array<{ pid: number; argv: string[] }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8').then(
      (s) => s.split('\0'),
      () => [],
    );
    if (match(argv)) found.push({ pid: Number(entry), argv });
  }
  return found;
}

/** Kills a process by its id if it is still there. */
export function killPid(pid: number): void {
  signalPid(pid, 'SIGKILL');
}

/** Sends `signal` to a process by its id if it is still there; says whether it was. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    return false;
  }
}

/** The specs' short form of waitFor (the one wait helper) for a yes/no condition. */
export async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 10_000, stepMs = 25): Promise<void> {
  await waitFor(what, condition, { timeoutMs, intervalMs: stepMs });
}

/** Waits until nothing is at `path` (a work directory removed, a file deleted). */
export async function untilGone(what: string, path: string, timeoutMs = 10_000): Promise<void> {
  await until(
    what,
    () =>
      stat(path).then(
        () => false,
        () => true,
      ),
    timeoutMs,
  );
}

/** Every file below `dir` (none when it is not there), relative to it: what a scratch folder holds. */
export async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

export function eventsOf(events: StoredEvent[], type: string): StoredEvent[] {
  return events.filter((e) => e.type === type);
}
