import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  buildAudioEncodeCommand,
  buildKeyframeProbe,
  buildRangeFramesProbe,
  type ChunkPlan,
  chunkTargets,
  FfprobeRepository,
  isIndexedSource,
  type JobState,
  type KeyframeProbe,
  type PlanSource,
  planChunks,
  readKeyframeProbe,
  type SegmentCut,
  segmentsReadSource,
  seeksOnInput,
  type TranscodeCommand,
} from '@mpr/core';
import { adoptRebalancedTail, type AttemptManifest, earlierChunkDuration, reusable } from './attempt-manifest';
import type { AttemptTelemetry } from './attempt-telemetry';
import { type ChunkContext, ChunkContextLoader } from './chunk-context';
import { ChunkWorkRepository } from './chunk-work.repository';
import { audioName, CHUNKER_SETTINGS, type ChunkerSettings, segmentName } from './chunker.settings';
import type { WorkDir } from './work-dir';
import { WorkDirRepository } from './work-dir.repository';

/** How the log says an attempt's segments read the source. */
const HOW = {
  seek: 'each seeking to its keyframe in the source',
  decode: 'each decoding the source from the keyframe before its own (no keyframe index)',
  pieces: 'from pieces of a keyframe split',
  accurate: 'by accurate seeks (the source has too few keyframes)',
} as const;

/** What each segment encode reads: pieces of a split, the source from its keyframe, or the source by accurate seeking. */
export type InputsKind = keyof typeof HOW;

/** An attempt as planned: what the coordinator runs, and what it took over from a lost attempt. */
export interface PlannedAttempt {
  readonly dir: WorkDir;
  readonly chunks: ChunkPlan;
  /** The job's whole range, in seconds of the source. */
  readonly range: SegmentCut;
  readonly keyframes: readonly number[];
  /** The input's start time (readKeyframeProbe). */
  readonly formatStart?: number;
  /** The source's video frames, when the keyframe probe read every packet (readKeyframeProbe). */
  readonly frames?: readonly number[];
  readonly inputsKind: InputsKind;
  /** The workers the default plan was sized for, when it was. */
  readonly capacity?: { readonly workers: number; readonly replicas: number };
  /** The plan is a lost attempt's moved tail, kept (adoptRebalancedTail). */
  readonly adopted: boolean;
  /** The range's audio encode; undefined when the job has no audio. */
  readonly audio: TranscodeCommand | undefined;
  readonly audioFile: string;
  readonly manifest: AttemptManifest;
  /** Finished files taken over from the lost attempt before this one. */
  readonly reused: { readonly segments: ReadonlySet<number>; readonly audio: boolean };
}

/** One attempt in progress, as every step of its run sees it. */
export interface AttemptRun {
  readonly job: JobState;
  readonly context: ChunkContext;
  readonly attempt: PlannedAttempt;
  readonly tell: AttemptTelemetry;
  readonly signal: AbortSignal;
}

/**
 * The attempt: plans it (keyframes, chunk plan, audio command), writes its
 * manifest, and takes over a lost attempt's finished files when they were
 * made the same way. At start-up it removes the work directories that no
 * attempt will use again.
 */
@Injectable()
export class ChunkAttempts implements OnApplicationBootstrap {
  private readonly logger = new Logger('ChunkCoordinator');

  constructor(
    private readonly work: ChunkWorkRepository,
    private readonly ffprobe: FfprobeRepository,
    private readonly workDirs: WorkDirRepository,
    private readonly contexts: ChunkContextLoader,
    @Inject(CHUNKER_SETTINGS) private readonly settings: ChunkerSettings,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweepWorkDirs().catch((err: Error) => this.logger.warn(`sweeping old work directories: ${err.message}`));
  }

  /** The work directory of `job`'s current attempt. */
  workDir(job: JobState): WorkDir {
    return this.workDirs.of(job.jobId, job.attempt);
  }

  async plan(job: JobState, context: ChunkContext, tell: AttemptTelemetry): Promise<PlannedAttempt> {
    const { preset, source } = context;
    const dir = this.workDir(job);
    await dir.create();
    const input = context.plan.source.absolute;
    const sourceFile = context.plan.source;
    const fps = source.framerate;
    // A lost attempt's manifest, read once: its chunk length and its finished files (takeOver).
    const earlierDir = job.attempt > 1 ? this.workDirs.of(job.jobId, job.attempt - 1) : undefined;
    const previous = earlierDir ? await earlierDir.readManifest() : null;
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
    const { keyframes, formatStart, frames } = await this.probeKeyframes(sourceFile, source.container, request);
    const streamCopy = keyframes.length >= 2;
    // An MP4/MOV source is read by the segment encodes themselves, each seeking to its keyframe: no split to wait for.
    const readsSource = segmentsReadSource({ container: source.container, keyframes, formatStart });
    // MPEG-TS/PS are not split: a piece starting on an open GOP's keyframe cannot decode the B-frames that
    // lead it, and the segment before it ended without them (4 frames lost in 3 s of DVD MPEG-2). Each segment
    // decodes the source from a keyframe earlier than its own instead (decodePoints).
    const inputsKind: InputsKind = readsSource ? 'seek' : !streamCopy ? 'accurate' : seeksOnInput(source.container) ? 'pieces' : 'decode';
    // A retry whose lost attempt moved its tail keeps that plan, so the files it finished fit.
    const fresh = planChunks({ ...request, keyframes, streamCopy });
    const adopted = adoptRebalancedTail(previous, fresh);
    const chunks = adopted ?? fresh;
    const range = { start: chunks.segments[0].start, end: chunks.segments[chunks.segments.length - 1].end };
    tell(['planned'], {
      segments: chunks.segments,
      chunkDuration: chunks.chunkDuration,
      workers: capacity?.workers,
      streamCopy,
      split: inputsKind === 'pieces',
    });
    const sizedFor = capacity ? ` (for ${capacity.workers} worker(s) on ${capacity.replicas} replica(s))` : '';
    this.logger.log(
      `job ${job.jobId} attempt ${job.attempt}: ${chunks.segments.length} segment(s) of ~${chunks.chunkDuration} s${sizedFor}, encoded ${HOW[inputsKind]}`,
    );
    // Built before anything runs: it also refuses a preset that cannot be chunked.
    const audioFile = audioName(preset.container ?? '');
    // Under a temporary name, renamed once done (ChunkEncodes), as the workers do: a coordinator killed mid-encode
    // left a partial audio.mp4 that the retry took over as finished (`moov atom not found`, chunker-replicas.spec).
    const audio = buildAudioEncodeCommand({ input, range, preset, source, output: dir.path(partialAudioName(audioFile)) });
    const manifest: AttemptManifest = {
      presetVersion: context.presetVersion,
      inputs: inputsKind,
      segments: chunks.segments,
      audio: audio !== undefined,
      chunkDuration: chunks.chunkDuration,
      rebalanced: adopted ? true : undefined,
    };
    await dir.writeManifest(manifest);
    const reused = earlierDir ? await this.takeOver(earlierDir, dir, previous, manifest, audioFile, tell) : { segments: new Set<number>(), audio: false };
    return { dir, chunks, range, keyframes, formatStart, frames, inputsKind, capacity, adopted: adopted !== undefined, audio, audioFile, manifest, reused };
  }

  /** The keyframes around `time` (one windowed probe from a second before it); none when the probe fails: the tail's move is an optimisation. */
  async keyframesNear(input: PlanSource, time: number): Promise<readonly number[]> {
    const probe = buildKeyframeProbe(input.absolute, [Math.max(0, time - 1)]);
    return readKeyframeProbe(await this.ffprobe.output(probe, undefined, this.workDirs.shownPaths(input)).catch(() => '')).keyframes;
  }

  /**
   * The source's video frames in the attempt's range (the stitch's
   * expectation, source-range's framesIn): the plan's keyframe probe listed
   * them when it read every packet; after a windowed one (an MP4/MOV read by
   * seeking) the range's packets are listed now. Undefined when the packets
   * carry no times (framesIn counts at the rate then).
   */
  async rangeFrames(input: PlanSource, attempt: PlannedAttempt): Promise<readonly number[] | undefined> {
    if (attempt.frames) return attempt.frames;
    const origin = attempt.formatStart ?? 0;
    const span = { start: attempt.range.start + origin, end: attempt.range.end + origin };
    return readKeyframeProbe(await this.ffprobe.output(buildRangeFramesProbe(input.absolute, span), undefined, this.workDirs.shownPaths(input))).frames;
  }

  /**
   * The source's keyframes. An MP4/MOV's index finds those near the planned
   * boundaries without reading the whole file; when that finds too few, or
   * the source is another container, every packet is read.
   */
  private async probeKeyframes(input: PlanSource, container: string, request: Parameters<typeof chunkTargets>[0]): Promise<KeyframeProbe> {
    const around = isIndexedSource(container) ? chunkTargets(request) : [];
    const paths = this.workDirs.shownPaths(input);
    if (around.length > 0) {
      const windowed = readKeyframeProbe(await this.ffprobe.output(buildKeyframeProbe(input.absolute, around), undefined, paths));
      // The windows' frames are not the range's: the stitch counts those (ChunkStitcher).
      if (segmentsReadSource({ container, ...windowed })) return { ...windowed, frames: undefined };
    }
    return readKeyframeProbe(await this.ffprobe.output(buildKeyframeProbe(input.absolute), undefined, paths));
  }

  /**
   * A retry after a lost attempt (its coordinator died) takes over that
   * attempt's finished segment and audio files when they were made the same
   * way (equal manifests: plan, preset version, inputs), so a coordinator
   * lost at 90 % does not cost the encode of the other 90 %. A file is there
   * only once its encode succeeded (workers rename on success). The earlier
   * attempt's directory is removed either way.
   */
  private async takeOver(
    earlier: WorkDir,
    dir: WorkDir,
    previous: unknown,
    manifest: AttemptManifest,
    audioFile: string,
    tell: AttemptTelemetry,
  ): Promise<{ segments: Set<number>; audio: boolean }> {
    const reused = { segments: new Set<number>(), audio: false };
    try {
      if (!reusable(previous, manifest)) return reused;
      const names = await earlier.names();
      for (const segment of manifest.segments) {
        if (!names.has(segmentName(segment.index))) continue;
        await dir.takeFrom(earlier, segmentName(segment.index));
        reused.segments.add(segment.index);
      }
      if (manifest.audio && names.has(audioFile)) {
        await dir.takeFrom(earlier, audioFile);
        reused.audio = true;
      }
      if (reused.segments.size > 0 || reused.audio) {
        this.logger.log(
          `job ${dir.jobId} attempt ${dir.attempt}: took over ${reused.segments.size} finished segment(s)${reused.audio ? ' and the audio' : ''} of attempt ${earlier.attempt}`,
        );
        tell(['reused'], { from: earlier.attempt, segments: [...reused.segments], audio: reused.audio });
      }
      return reused;
    } finally {
      await earlier.remove();
    }
  }

  /**
   * At start-up: removes the work directories no attempt will use again —
   * of jobs that ended, or that are past the attempt after them (a lost
   * attempt's directory waits for the retry that may take its files over).
   */
  private async sweepWorkDirs(): Promise<void> {
    for (const dir of await this.workDirs.all()) {
      const { state } = await this.contexts.job(dir.jobId);
      const live = state.status === 'PENDING' || state.status === 'PROCESSING' || (state.status === 'FAILED' && state.retryable);
      if (!live || state.attempt > dir.attempt + 1) await dir.remove();
    }
  }
}

/** The coordinator's own audio encode writes here, then renames it to `audioFile`. */
export function partialAudioName(audioFile: string): string {
  return `${audioFile}.part`;
}
