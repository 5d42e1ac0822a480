import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import {
  buildAudioEncodeCommand,
  buildConcatList,
  buildKeyframeProbeArgs,
  buildSplitCommand,
  type ChunkPlan,
  buildStitchCommand,
  buildStitchProbeArgs,
  chunkTargets,
  decodeChunkJobItem,
  DomainError,
  encodedSampleRate,
  encodesAudioBesideWorkers,
  expectedStitch,
  ffmpegErrorSummary,
  FfmpegRepository,
  type FfprobeOutput,
  FfprobeRepository,
  isIndexedSource,
  type KeyframeProbe,
  mapProbe,
  moveLastBoundary,
  JobRecorder,
  type JobState,
  JobTelemetryRepository,
  MEDIA_OUT_ROOT,
  MediaRoot,
  OutputFilesRepository,
  OutputService,
  planChunks,
  planSplit,
  readKeyframeProbe,
  segmentKeyframes,
  segmentsReadSource,
  readStitchFacts,
  segmentCuts,
  type SplitPlan,
  type StitchProbeOutput,
  tailBoundaryTarget,
  UnrunnableJob,
  verdictFor,
  verifyStitch,
  WakeSignal,
} from '@mpr/core';
import { adoptRebalancedTail, type AttemptManifest, earlierChunkDuration, MANIFEST, reusable } from './attempt-manifest';
import { ChunkAborts } from './chunk-aborts';
import { ChunkQueueLoops, safely } from './chunk-queue.loops';
import { type ChunkContext, ChunkContextLoader } from './chunk-context';
import { ChunkWorkRepository } from './chunk-work.repository';
import { ChunkerMetrics } from './chunker.metrics';
import { audioName, CHUNKER_SETTINGS, type ChunkerSettings, chunkWorkDir, pieceName, segmentName } from './chunker.settings';
import { assessSegments } from './segment-progress';
import { extendSpan, measureTail, type ProgressSpan, type TailMeasure } from './tail-measure';

/** How often the coordinator looks for pieces the split has finished. */
const SPLIT_POLL_MS = 20;

/** How the log says an attempt's segments read the source. */
const HOW = {
  seek: 'each seeking to its keyframe in the source',
  pieces: 'from pieces of a keyframe split',
  accurate: 'by accurate seeks (the source has too few keyframes)',
} as const;

/** What each segment encode reads: a piece of the split, the source from its keyframe, or the source by accurate seeking. */
type SegmentInputs = { kind: 'pieces'; split: SplitPlan } | { kind: 'seek'; keyframes: ReadonlyArray<number | undefined> } | { kind: 'accurate' };

class Aborted extends Error {}
class Refused extends Error {}

/**
 * Coordinates up to MPR_CHUNK_JOBS chunked jobs at once, so the next job's
 * segments keep the workers busy while a job's last ones end. For each: claims
 * it (StartJob), plans and splits it, queues its segments for the workers of
 * every replica, encodes or queues the audio, waits for the segments,
 * stitches, verifies and publishes.
 */
@Injectable()
export class ChunkCoordinator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ChunkCoordinator');
  private readonly loops: ChunkQueueLoops;

  constructor(
    private readonly work: ChunkWorkRepository,
    private readonly contexts: ChunkContextLoader,
    private readonly recorder: JobRecorder,
    private readonly ffmpeg: FfmpegRepository,
    private readonly ffprobe: FfprobeRepository,
    private readonly files: OutputFilesRepository,
    private readonly outputs: OutputService,
    private readonly progress: JobTelemetryRepository,
    private readonly aborts: ChunkAborts,
    private readonly metrics: ChunkerMetrics,
    @Inject(MEDIA_OUT_ROOT) private readonly outRoot: MediaRoot,
    @Inject(CHUNKER_SETTINGS) private readonly settings: ChunkerSettings,
  ) {
    this.loops = new ChunkQueueLoops(work, 'job', this.logger, settings);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ffmpeg.warmUp();
    await this.work.connect();
    this.loops.start(this.settings.jobs, async (msg) => {
      const settle = await this.handle(msg);
      if (settle === 'ack') await msg.ackAck().catch(() => undefined);
      else safely(() => msg.nak(settle === 'nak-later' ? 5_000 : undefined));
    });
    this.logger.log(`coordinating up to ${this.settings.jobs} chunked job(s) at once, ${this.settings.workers} segment worker(s)`);
    void this.sweepWorkDirs().catch((err: Error) => this.logger.warn(`sweeping old work directories: ${err.message}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    const stopped = this.loops.stop();
    this.aborts.abortAll('shutdown');
    await stopped;
  }

  private async handle(msg: JsMsg): Promise<'ack' | 'nak' | 'nak-later'> {
    let item;
    try {
      item = decodeChunkJobItem(msg.string());
    } catch {
      msg.term('not a ChunkJobWorkItem');
      return 'ack';
    }
    const { state, version } = await this.contexts.job(item.jobId);
    const verdict = verdictFor(state, { attempt: item.attempt, deliveryCount: msg.info.deliveryCount });
    if (verdict.action === 'drop') return 'ack';
    if (verdict.action === 'mark-lost') {
      // Its coordinator died; its finished segments stay for the retry to take over (reuseEarlierAttempt).
      await this.recorder.markLost(state);
      return 'ack';
    }
    const job = await this.recorder.start(state, version, `${this.settings.replicaId}-coordinator`);
    if (!job) return 'nak';
    const abort = this.aborts.register(job.jobId);
    const dir = chunkWorkDir(job.jobId, job.attempt);
    let tempPath: string | undefined;
    try {
      const context = await this.contexts.load(job);
      tempPath = context.plan.tempPath;
      const outcome = await this.chunk(job, context, abort.signal);
      this.logger.log(`job ${job.jobId} attempt ${job.attempt}: ${outcome}`);
      this.metrics.jobs.inc({ outcome });
      return 'ack';
    } catch (err) {
      if (tempPath) await this.files.remove(tempPath).catch(() => undefined);
      if (err instanceof Aborted || abort.signal.aborted) {
        this.metrics.jobs.inc({ outcome: String(abort.signal.reason ?? 'cancelled') });
        if (abort.signal.reason === 'shutdown') return 'nak';
        return 'ack';
      }
      // A job that cannot be chunked as created (an audio-only preset, a bad trim) fails for good, as in a single pass.
      const final = err instanceof UnrunnableJob || err instanceof DomainError || err instanceof Refused;
      this.logger.warn(`job ${job.jobId} attempt ${job.attempt} failed: ${(err as Error).message}`);
      await this.recorder.fail(job, (err as Error).message, !final).catch(() => undefined);
      this.metrics.jobs.inc({ outcome: 'failed' });
      return 'ack';
    } finally {
      abort.release();
      // Cancelled: the segment encodes of every replica stop on the same event; give them their kill grace, then remove what they leave.
      await rm(this.outRoot.target(dir), { recursive: true, force: true }).catch(() => undefined);
      if (abort.signal.aborted) setTimeout(() => void rm(this.outRoot.target(dir), { recursive: true, force: true }).catch(() => undefined), 1_000);
    }
  }

  private async chunk(job: JobState, context: ChunkContext, signal: AbortSignal): Promise<string> {
    const { plan, preset, source } = context;
    const dirRel = chunkWorkDir(job.jobId, job.attempt);
    const dir = this.outRoot.target(dirRel);
    await mkdir(dir, { recursive: true });
    await this.files.prepareFolder(plan.outputPath);
    const input = plan.source.absolute;
    const fps = source.framerate;
    // A lost attempt's manifest, read once: its chunk length and its finished files (reuseEarlierAttempt).
    const previous = job.attempt > 1 ? await this.readManifest(job.attempt - 1, job) : null;
    // Without a chunkDuration the job's segments are sized for the workers there are (defaultChunkDuration);
    // a retry keeps its lost attempt's length, so that attempt's finished segments still fit.
    const earlier = job.chunkDuration === undefined ? earlierChunkDuration(previous) : undefined;
    const capacity = job.chunkDuration === undefined && earlier === undefined ? await this.work.capacity(this.settings.workers) : undefined;
    const request = {
      duration: source.duration,
      trimStart: job.trimStart,
      trimEnd: job.trimEnd,
      chunkDuration: job.chunkDuration ?? earlier,
      workers: capacity?.workers,
      fps,
    };
    const { keyframes, formatStart } = await this.probeKeyframes(input, source.container, request);
    const streamCopy = keyframes.length >= 2;
    // An MP4/MOV source is read by the segment encodes themselves, each seeking to its keyframe: no split to wait for.
    const readsSource = segmentsReadSource({ container: source.container, keyframes, formatStart });
    const inputsKind = readsSource ? 'seek' : streamCopy ? 'pieces' : 'accurate';
    // A retry whose lost attempt moved its tail keeps that plan, so the files it finished fit.
    const fresh = planChunks({ ...request, keyframes, streamCopy });
    const adopted = adoptRebalancedTail(previous, fresh);
    let chunks = adopted ?? fresh;
    const range = { start: chunks.segments[0].start, end: chunks.segments[chunks.segments.length - 1].end };
    void this.work
      .telemetry(job.jobId, ['planned'], {
        attempt: job.attempt,
        segments: chunks.segments,
        chunkDuration: chunks.chunkDuration,
        workers: capacity?.workers,
        streamCopy,
        split: inputsKind === 'pieces',
      })
      .catch(() => undefined);
    const sizedFor = capacity ? ` (for ${capacity.workers} worker(s) on ${capacity.replicas} replica(s))` : '';
    this.logger.log(
      `job ${job.jobId} attempt ${job.attempt}: ${chunks.segments.length} segment(s) of ~${chunks.chunkDuration} s${sizedFor}, encoded ${HOW[inputsKind]}`,
    );
    // Built before anything runs: it also refuses a preset that cannot be chunked.
    const audioFile = audioName(preset.container ?? '');
    const audioPath = `${dir}/${audioFile}`;
    const audio = buildAudioEncodeCommand({ input, range, preset, source, output: audioPath });
    const manifest: AttemptManifest = {
      presetVersion: context.presetVersion,
      inputs: inputsKind,
      segments: chunks.segments,
      audio: audio !== undefined,
      chunkDuration: chunks.chunkDuration,
      rebalanced: adopted ? true : undefined,
    };
    await writeManifest(dir, manifest);
    const reused = await this.reuseEarlierAttempt(job, previous, manifest, dir, audioFile);

    const done = new Map<number, number>();
    const segmentDone = new WakeSignal();
    // When each running encode last reported, by index (the audio item's index is the segment count).
    // The monitor keeps the job's progress alive for the scheduler's watchdog, so the coordinator watches for stuck encodes itself.
    const lastHeard = new Map<number, number>();
    // When each encode was first heard of (its start) and its progress reports' span: what the tail's move is measured by.
    const firstHeard = new Map<number, number>();
    const spans = new Map<number, ProgressSpan>();
    const reports = this.work.onReports(job.jobId, job.attempt, (r) => {
      if (!done.has(r.index) || (done.get(r.index) ?? 0) < r.outTimeSeconds) done.set(r.index, r.outTimeSeconds);
      if (!firstHeard.has(r.index)) firstHeard.set(r.index, Date.now());
      const span = r.done ? undefined : extendSpan(spans.get(r.index), Date.now(), r.outTimeSeconds);
      if (span) spans.set(r.index, span);
      if (r.done) {
        lastHeard.delete(r.index);
        segmentDone.notify();
      } else {
        lastHeard.set(r.index, Date.now());
      }
    });
    // A segment whose workers all died mid-encode leaves no marker: JetStream's give-up is the news.
    let exhausted: { audio: boolean; index: number } | undefined;
    const exhaustion = this.work.onSegmentExhausted((item) => {
      if (item.jobId !== job.jobId || item.attempt !== job.attempt) return false;
      exhausted = item;
      segmentDone.notify();
      return true;
    });
    const total = range.end - range.start;
    const startedAt = Date.now();
    let lastPercent = 0;
    const publishProgress = (percent: number) =>
      void this.progress
        .publishProgress({
          jobId: job.jobId,
          attempt: job.attempt,
          percent,
          currentTime: (percent / 100) * total,
          fps: 0,
          speed: ((percent / 100) * total) / Math.max(0.001, (Date.now() - startedAt) / 1000),
          etaSeconds: 0,
        })
        .catch(() => undefined);
    // The monitor: the job's aggregate progress every tick for the whole
    // attempt, also while audio, stitch and verification run between updates.
    const monitor = setInterval(() => publishProgress(lastPercent), this.settings.tickMs);
    try {
      // The audio is one encode for the whole range: here, beside the split and the segments, or queued first —
      // it needs no piece, and single-threaded at the end of the queue it would run on alone.
      const audioHere = audio !== undefined && !reused.audio && encodesAudioBesideWorkers(this.settings.workers, this.settings.cores);
      const audioQueued = audio !== undefined && !reused.audio && !audioHere;
      let audioFailure: Error | undefined;
      const audioRun = audioHere ? this.runFfmpeg(audio.args, signal) : Promise.resolve();
      audioRun.catch((err: Error) => {
        audioFailure = err;
        segmentDone.notify();
      });
      if (audioQueued) {
        await this.work.enqueueSegment({
          jobId: job.jobId,
          attempt: job.attempt,
          index: chunks.segments.length,
          piece: '',
          inputOffset: 0,
          cutStart: range.start,
          cutEnd: range.end,
          segmentCount: chunks.segments.length,
          audio: true,
          presetVersion: BigInt(context.presetVersion),
        });
        void this.work.telemetry(job.jobId, ['audio', 'queued'], { attempt: job.attempt, replicaId: this.settings.replicaId }).catch(() => undefined);
      }
      const inputs: SegmentInputs =
        inputsKind === 'pieces'
          ? { kind: 'pieces', split: planSplit(chunks, keyframes, fps, source.duration) }
          : inputsKind === 'seek'
            ? { kind: 'seek', keyframes: segmentKeyframes(chunks, keyframes, fps) }
            : { kind: 'accurate' };
      // The worker that takes the queued audio starts its video late: the last two segments wait until that lag
      // is known, then their boundary moves so that worker ends with the others (tailBoundaryTarget). Only where
      // encodes do not share cores (workers ≤ cores): their speeds then hold to the end, as the move assumes —
      // four workers on two cores speed up as the others finish, and the longer segment ended last (bench).
      const count = chunks.segments.length;
      const tail = [count - 2, count - 1];
      const ownCores = this.settings.workers <= this.settings.cores;
      let tailHeld = inputsKind === 'seek' && audioQueued && ownCores && (capacity?.workers ?? 0) >= 2 && count >= 3 && !adopted && reused.segments.size === 0;
      const queuedAt = Date.now();
      await this.queueSegments(job, chunks, fps, inputs, input, context.presetVersion, tailHeld ? new Set(tail) : reused.segments, signal);
      for (;;) {
        if (signal.aborted) throw new Aborted();
        if (audioFailure) throw audioFailure;
        segmentDone.reset();
        const names = new Set(await readdir(dir));
        // Released when the audio is done (its report wakes this loop), or unmoved as soon as a worker is free without it.
        const segmentFinished = chunks.segments.some((s) => names.has(segmentName(s.index)));
        if (tailHeld && (names.has(audioFile) || segmentFinished)) {
          tailHeld = false;
          const measured = segmentFinished ? undefined : measureTail(firstHeard, spans, { count, queuedAt, audioDoneAt: Date.now() });
          chunks = await this.releaseTail({ job, chunks, manifest, dir, input, fps, keyframes, presetVersion: context.presetVersion }, measured, signal);
        }
        const assessment = assessSegments({
          segments: chunks.segments,
          files: names,
          queuedAudio: audioQueued ? audioFile : undefined,
          encodedSeconds: done,
          lastHeard,
          exhausted,
          now: Date.now(),
          stallMs: this.settings.stallMs,
          maxDeliver: this.settings.maxDeliver,
        });
        if (assessment.state === 'failed') {
          const detail = assessment.marker ? await readFile(`${dir}/${assessment.marker}`, 'utf8').catch(() => '') : '';
          const message = detail ? `${assessment.reason}: ${detail}` : assessment.reason;
          // A final failure (the encode's own) is not retried; dead or stuck workers are.
          throw assessment.retryable ? new Error(message) : new Refused(message);
        }
        if (assessment.state === 'done') break;
        lastPercent = Math.max(lastPercent, assessment.percent);
        publishProgress(lastPercent);
        await segmentDone.wait(this.settings.tickMs);
      }
      await audioRun;
      lastPercent = Math.max(lastPercent, 96);
      const segmentPaths = chunks.segments.map((s) => `${dir}/${segmentName(s.index)}`);
      const listPath = `${dir}/segments.ffconcat`;
      await writeFile(listPath, buildConcatList(listPath, segmentPaths));
      void this.work.telemetry(job.jobId, ['stitching'], { attempt: job.attempt }).catch(() => undefined);
      const stitched = this.files.absolute(plan.tempPath);
      await this.runFfmpeg(buildStitchCommand({ listPath, audioPath: audio ? audioPath : undefined, preset, output: stitched }), signal, audio ? 2 : 1);
      const stitchProbe = JSON.parse(await this.ffprobe.output(buildStitchProbeArgs(stitched))) as StitchProbeOutput & FfprobeOutput;
      const facts = readStitchFacts(stitchProbe);
      const expected = expectedStitch({
        ...range,
        fps: preset.framerate ?? fps,
        // In the encoder's rate: libopus resamples a 44.1 kHz source to 48 kHz ([M5] matrix: 97536 samples "expected 89303").
        audioSampleRate: audio ? encodedSampleRate(preset.audioCodec ?? '', preset.audioSampleRate, Number(source.audioSampleRate ?? 0)) : undefined,
        audioCodec: preset.audioCodec,
        hasVideo: true,
      });
      const verdict = verifyStitch(facts, expected);
      if (!verdict.ok) {
        void this.work.telemetry(job.jobId, ['rejected'], { attempt: job.attempt, reasons: verdict.reasons }).catch(() => undefined);
        throw new Refused(`the stitched output was refused: ${verdict.reasons.join('; ')}`);
      }
      void this.work.telemetry(job.jobId, ['verified'], { attempt: job.attempt }).catch(() => undefined);
      if (signal.aborted) throw new Aborted();
      const probe = mapProbe(stitchProbe);
      const output = await this.outputs.publish(job.jobId, plan.outputPath, plan.tempPath, probe);
      lastPercent = 100;
      publishProgress(100);
      const completed = await this.recorder.complete(job, output);
      if (completed !== 'completed') {
        await this.outputs.retract(output);
        return completed;
      }
      return 'completed';
    } finally {
      clearInterval(monitor);
      reports.stop();
      exhaustion.stop();
    }
  }

  /**
   * Queues the held last two segments of a plan whose segments seek into the
   * source. With the audio's lag `measured`, their boundary first moves to
   * the keyframe nearest where the lag puts it (one windowed keyframe probe
   * around that time), and the manifest and telemetry say so; the plan stays
   * as it was when the move is too small, no keyframe is there or the probe
   * fails. Returns the plan the attempt goes on with.
   */
  private async releaseTail(
    at: {
      job: JobState;
      chunks: ChunkPlan;
      manifest: AttemptManifest;
      dir: string;
      input: string;
      fps: number;
      keyframes: readonly number[];
      presetVersion: number;
    },
    measured: TailMeasure | undefined,
    signal: AbortSignal,
  ): Promise<ChunkPlan> {
    const { job, fps } = at;
    let chunks = at.chunks;
    let keyframes = at.keyframes;
    const target = measured && tailBoundaryTarget(chunks, measured.lagSeconds, measured.speed, fps);
    if (measured && target !== undefined) {
      // A probe that fails only leaves the plan as it was: the move is an optimisation.
      const near = readKeyframeProbe(await this.ffprobe.output(buildKeyframeProbeArgs(at.input, [Math.max(0, target - 1)])).catch(() => '')).keyframes;
      keyframes = [...keyframes, ...near];
      const moved = moveLastBoundary(chunks, target, fps, near);
      if (moved !== chunks) {
        chunks = moved;
        await writeManifest(at.dir, { ...at.manifest, segments: chunks.segments, rebalanced: true });
        const [before, last] = chunks.segments.slice(-2);
        this.logger.log(
          `job ${job.jobId} attempt ${job.attempt}: the audio's worker started ${measured.lagSeconds.toFixed(2)} s late; last segments ${before.duration} s + ${last.duration} s`,
        );
        void this.work
          .telemetry(job.jobId, ['rebalanced'], { attempt: job.attempt, segments: chunks.segments, lagSeconds: measured.lagSeconds, speed: measured.speed })
          .catch(() => undefined);
      }
    }
    const head = new Set(chunks.segments.slice(0, -2).map((s) => s.index));
    const inputs: SegmentInputs = { kind: 'seek', keyframes: segmentKeyframes(chunks, keyframes, fps) };
    await this.queueSegments(job, chunks, fps, inputs, at.input, at.presetVersion, head, signal);
    return chunks;
  }

  /**
   * Queues one work item per segment. With a split, each segment is queued
   * as soon as the split has closed its piece (the segment muxer lists it),
   * so the workers of every replica start while the split goes on. Without,
   * every segment reads the source: from the keyframe it starts on (the
   * segment keyframes, as the item's inputOffset; the first segment from the
   * start, or accurately to a trimStart), or by accurate seeking (no keyframes).
   */
  private async queueSegments(
    job: JobState,
    chunks: ChunkPlan,
    fps: number,
    inputs: SegmentInputs,
    input: string,
    presetVersion: number,
    done: ReadonlySet<number>,
    signal: AbortSignal,
  ): Promise<void> {
    const cuts = segmentCuts(chunks, fps);
    const dir = this.outRoot.target(chunkWorkDir(job.jobId, job.attempt));
    const pieces = chunks.segments.map((_, i) => {
      if (inputs.kind === 'pieces') return { piece: pieceName(inputs.split.pieces[i].piece), offset: inputs.split.pieces[i].offset };
      return { piece: '', offset: inputs.kind === 'seek' && i > 0 ? (inputs.keyframes[i] ?? 0) : 0 };
    });
    let queued = 0;
    const queueUpTo = async (ready: (piece: string) => boolean) => {
      while (queued < chunks.segments.length && ready(pieces[queued].piece)) {
        const i = queued++;
        const segment = chunks.segments[i];
        if (done.has(segment.index)) continue;
        await this.work.enqueueSegment({
          jobId: job.jobId,
          attempt: job.attempt,
          index: segment.index,
          piece: pieces[i].piece,
          inputOffset: pieces[i].offset,
          cutStart: cuts[i].start,
          cutEnd: cuts[i].end,
          segmentCount: chunks.segments.length,
          audio: false,
          presetVersion: BigInt(presetVersion),
        });
        void this.work
          .telemetry(job.jobId, ['segment', String(segment.index), 'queued'], {
            attempt: job.attempt,
            index: segment.index,
            replicaId: this.settings.replicaId,
          })
          .catch(() => undefined);
      }
    };
    if (inputs.kind !== 'pieces') return queueUpTo(() => true);
    const { splitTimes } = inputs.split;

    const listPath = `${dir}/pieces.txt`;
    const splitRun = this.runFfmpeg(buildSplitCommand(input, `${dir}/piece-%03d.mkv`, splitTimes, listPath), signal);
    let splitEnded = false;
    const ended = splitRun.then(
      () => (splitEnded = true),
      () => (splitEnded = true),
    );
    while (!splitEnded) {
      const listed = new Set((await readFile(listPath, 'utf8').catch(() => '')).split('\n'));
      await queueUpTo((piece) => listed.has(piece));
      await Promise.race([ended, sleep(SPLIT_POLL_MS)]);
    }
    await splitRun;
    void this.work.telemetry(job.jobId, ['split'], { attempt: job.attempt, splitTimes }).catch(() => undefined);
    await queueUpTo(() => true);
  }

  /** An attempt's manifest as its work directory holds it: anything, or null when there is none. */
  private async readManifest(attempt: number, job: JobState): Promise<unknown> {
    const path = `${this.outRoot.target(chunkWorkDir(job.jobId, attempt))}/${MANIFEST}`;
    return readFile(path, 'utf8')
      .then((text) => JSON.parse(text) as unknown)
      .catch(() => null);
  }

  /**
   * The source's keyframes. An MP4/MOV's index finds those near the planned
   * boundaries without reading the whole file; when that finds too few, or
   * the source is another container, every packet is read.
   */
  private async probeKeyframes(input: string, container: string, request: Parameters<typeof chunkTargets>[0]): Promise<KeyframeProbe> {
    const around = isIndexedSource(container) ? chunkTargets(request) : [];
    if (around.length > 0) {
      const windowed = readKeyframeProbe(await this.ffprobe.output(buildKeyframeProbeArgs(input, around)));
      if (segmentsReadSource({ container, ...windowed })) return windowed;
    }
    return readKeyframeProbe(await this.ffprobe.output(buildKeyframeProbeArgs(input)));
  }

  /**
   * A retry after a lost attempt (its coordinator died) takes over that
   * attempt's finished segment and audio files when they were made the same
   * way (equal manifests: plan, preset version, inputs), so a coordinator
   * lost at 90 % does not cost the encode of the other 90 %. A file is there
   * only once its encode succeeded (workers rename on success). The earlier
   * attempt's directory is removed either way.
   */
  private async reuseEarlierAttempt(
    job: JobState,
    previous: unknown,
    manifest: AttemptManifest,
    dir: string,
    audioFile: string,
  ): Promise<{ segments: Set<number>; audio: boolean }> {
    const reused = { segments: new Set<number>(), audio: false };
    if (job.attempt <= 1) return reused;
    const earlier = this.outRoot.target(chunkWorkDir(job.jobId, job.attempt - 1));
    try {
      if (!reusable(previous, manifest)) return reused;
      const names = new Set(await readdir(earlier));
      for (const segment of manifest.segments) {
        if (!names.has(segmentName(segment.index))) continue;
        await rename(`${earlier}/${segmentName(segment.index)}`, `${dir}/${segmentName(segment.index)}`);
        reused.segments.add(segment.index);
      }
      if (manifest.audio && names.has(audioFile)) {
        await rename(`${earlier}/${audioFile}`, `${dir}/${audioFile}`);
        reused.audio = true;
      }
      if (reused.segments.size > 0 || reused.audio) {
        this.logger.log(
          `job ${job.jobId} attempt ${job.attempt}: took over ${reused.segments.size} finished segment(s)${reused.audio ? ' and the audio' : ''} of attempt ${job.attempt - 1}`,
        );
        void this.work
          .telemetry(job.jobId, ['reused'], { attempt: job.attempt, from: job.attempt - 1, segments: [...reused.segments], audio: reused.audio })
          .catch(() => undefined);
      }
      return reused;
    } finally {
      await rm(earlier, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /**
   * At start-up: removes the work directories no attempt will use again —
   * of jobs that ended, or that are past the attempt after them (a lost
   * attempt's directory waits for the retry that may take its files over).
   */
  private async sweepWorkDirs(): Promise<void> {
    const root = this.outRoot.target('.mpr-chunks');
    for (const name of await readdir(root).catch(() => [] as string[])) {
      const match = /^(.+)-a(\d+)$/.exec(name);
      if (!match) continue;
      const { state } = await this.contexts.job(match[1]);
      const attempt = Number(match[2]);
      const live = state.status === 'PENDING' || state.status === 'PROCESSING' || (state.status === 'FAILED' && state.retryable);
      if (!live || state.attempt > attempt + 1) await rm(`${root}/${name}`, { recursive: true, force: true });
    }
  }

  /**
   * Runs one of the coordinator's own ffmpeg commands (split, audio, stitch)
   * to success, or throws. One that reports no progress for the stall
   * timeout is stopped and fails the attempt: the progress monitor would
   * otherwise keep a hung job looking alive.
   */
  private async runFfmpeg(args: string[], signal: AbortSignal, inputs = 1): Promise<void> {
    if (signal.aborted) throw new Aborted();
    let heardAt = Date.now();
    const proc = await this.ffmpeg.start(args, { onProgress: () => (heardAt = Date.now()), inputs });
    const stop = () => void proc.stop();
    signal.addEventListener('abort', stop, { once: true });
    let stalled = false;
    const watch = setInterval(
      () => {
        if (Date.now() - heardAt <= this.settings.stallMs) return;
        stalled = true;
        stop();
      },
      Math.min(1_000, this.settings.stallMs / 4),
    );
    try {
      const exit = await proc.exited;
      if (signal.aborted) throw new Aborted();
      if (stalled) throw new Error(`ffmpeg (${describeCommand(args)}) reported nothing for ${Math.round(this.settings.stallMs / 1000)} s: it is stuck`);
      if (exit.code !== 0) throw new Error(ffmpegErrorSummary(exit.stderr) || `ffmpeg exited with ${exit.code ?? exit.signal}`);
    } finally {
      clearInterval(watch);
      signal.removeEventListener('abort', stop);
    }
  }
}

/** An attempt's manifest, written whole or not at all. */
async function writeManifest(dir: string, manifest: AttemptManifest): Promise<void> {
  await writeFile(`${dir}/${MANIFEST}.part`, JSON.stringify(manifest));
  await rename(`${dir}/${MANIFEST}.part`, `${dir}/${MANIFEST}`);
}

/** What a coordinator's ffmpeg command does, for messages: its muxer ('segment' for the split). */
function describeCommand(args: readonly string[]): string {
  const muxer = args[args.lastIndexOf('-f') + 1];
  return muxer === 'segment' ? 'the split' : args.includes('concat') ? 'the stitch' : 'the audio encode';
}
