import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  buildSplitCommand,
  type ChunkPlan,
  decodePoints,
  encodesAudioBesideWorkers,
  FfmpegRepository,
  moveLastBoundary,
  planSplit,
  segmentKeyframes,
  segmentCuts,
  type SplitPlan,
  tailBoundaryTarget,
} from '@mpr/core';
import { type AttemptRun, ChunkAttempts, partialAudioName } from './chunk-attempt.service';
import { Aborted, Refused } from './chunk.errors';
import { runStep } from './chunk-step.runner';
import { ChunkWorkRepository } from './chunk-work.repository';
import { CHUNKER_SETTINGS, type ChunkerSettings, pieceName, segmentName } from './chunker.settings';
import type { SegmentMonitor } from './segment-monitor';
import type { TailMeasure } from './tail-measure';
import { WorkDirRepository } from './work-dir.repository';

/** How often the coordinator looks for pieces the split has finished. */
const SPLIT_POLL_MS = 20;
/** The split's list of the pieces it has closed (`-segment_list`). */
const PIECE_LIST = 'pieces.txt';

/** What each segment encode reads: a piece of the split, the source from its keyframe or (MPEG-TS/PS) from a decode point, or the source by accurate seeking. */
type SegmentInputs =
  | { kind: 'pieces'; split: SplitPlan }
  | { kind: 'seek'; keyframes: ReadonlyArray<number | undefined> }
  | { kind: 'decode'; from: readonly number[] }
  | { kind: 'accurate' };

/**
 * An attempt's encodes, from the first item queued to the last file done:
 * the audio (encoded here beside the workers, or queued for them), the
 * segments (queued at once, or as the split closes each piece; the last two
 * held where their boundary may move), and the wait for all of them, with
 * what SegmentMonitor hears of them.
 */
@Injectable()
export class ChunkEncodes {
  private readonly logger = new Logger('ChunkCoordinator');

  constructor(
    private readonly work: ChunkWorkRepository,
    private readonly ffmpeg: FfmpegRepository,
    private readonly attempts: ChunkAttempts,
    private readonly workDirs: WorkDirRepository,
    @Inject(CHUNKER_SETTINGS) private readonly settings: ChunkerSettings,
  ) {}

  /** Asks ffmpeg once for its formats and encoders (FfmpegRepository.warmUp), so the first job starts without that delay. */
  warmUp(): Promise<void> {
    return this.ffmpeg.warmUp();
  }

  /**
   * Runs the attempt's encodes to the end: the audio (here or queued), the
   * segments (queued, the tail held where it may move), and waits until all
   * are done. Returns the plan as it ended (the tail may have moved).
   */
  async run(run: AttemptRun, monitor: SegmentMonitor): Promise<ChunkPlan> {
    const { job, context, attempt, tell, signal } = run;
    const { audio, audioFile, reused, inputsKind, keyframes, range } = attempt;
    const fps = context.source.framerate;
    let chunks = attempt.chunks;
    // The audio is one encode for the whole range: here, beside the split and the segments, or queued first —
    // it needs no piece, and single-threaded at the end of the queue it would run on alone.
    const audioHere = audio !== undefined && !reused.audio && encodesAudioBesideWorkers(this.settings.workers, this.settings.cores);
    const audioQueued = audio !== undefined && !reused.audio && !audioHere;
    let audioFailure: Error | undefined;
    const audioRun = audioHere
      ? runStep(this.ffmpeg, audio, 'the audio encode', signal, this.settings.stallMs, this.workDirs.shownPaths(context.plan.source)).then(() =>
          attempt.dir.settle(attempt.dir.path(partialAudioName(audioFile)), audioFile),
        )
      : Promise.resolve();
    audioRun.catch((err: Error) => {
      audioFailure = err;
      monitor.notify();
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
      tell(['audio', 'queued'], { replicaId: this.settings.replicaId });
    }
    const inputs: SegmentInputs =
      inputsKind === 'pieces'
        ? { kind: 'pieces', split: planSplit(chunks, keyframes, fps, context.source.duration, context.source.videoStart) }
        : inputsKind === 'seek'
          ? { kind: 'seek', keyframes: segmentKeyframes(chunks, keyframes, fps) }
          : inputsKind === 'decode'
            ? { kind: 'decode', from: decodePoints(chunks, keyframes, fps) }
            : { kind: 'accurate' };
    // The worker that takes the queued audio starts its video late: the last two segments wait until that lag
    // is known, then their boundary moves so that worker ends with the others (tailBoundaryTarget). Only where
    // encodes do not share cores (workers ≤ cores): their speeds then hold to the end, as the move assumes —
    // four workers on two cores speed up as the others finish, and the longer segment ended last (bench).
    const count = chunks.segments.length;
    const tail = [count - 2, count - 1];
    const ownCores = this.settings.workers <= this.settings.cores;
    let tailHeld =
      inputsKind === 'seek' && audioQueued && ownCores && (attempt.capacity?.workers ?? 0) >= 2 && count >= 3 && !attempt.adopted && reused.segments.size === 0;
    const queuedAt = Date.now();
    await this.queueSegments(run, chunks, inputs, tailHeld ? new Set(tail) : reused.segments);
    for (;;) {
      if (signal.aborted) throw new Aborted();
      if (audioFailure) throw audioFailure;
      monitor.beginLook();
      const names = await attempt.dir.names();
      // Released when the audio is done (its report wakes this loop), or unmoved as soon as a worker is free without it.
      const segmentFinished = chunks.segments.some((s) => names.has(segmentName(s.index)));
      if (tailHeld && (names.has(audioFile) || segmentFinished)) {
        const measured = segmentFinished ? undefined : monitor.measureTail(count, queuedAt);
        // The move is sized by the video encodes' speed: audio done before any of them has reported over a span
        // waits for one (its worker is idle either way, and the wait is lag the move then makes up), instead of
        // releasing the tail unmoved. A finished segment releases it at once.
        if (measured === undefined || measured.speed > 0) {
          tailHeld = false;
          chunks = await this.releaseTail(run, chunks, measured);
        }
      }
      const assessment = monitor.assess(chunks.segments, names, audioQueued ? audioFile : undefined);
      if (assessment.state === 'failed') {
        const detail = assessment.marker ? await attempt.dir.read(assessment.marker) : '';
        const message = detail ? `${assessment.reason}: ${detail}` : assessment.reason;
        // A final failure (the encode's own) is not retried; dead or stuck workers are.
        throw assessment.retryable ? new Error(message) : new Refused(message);
      }
      if (assessment.state === 'done') break;
      monitor.progressAtLeast(assessment.percent);
      await monitor.wait(this.settings.tickMs);
    }
    await audioRun;
    return chunks;
  }

  /**
   * Queues the held last two segments of a plan whose segments seek into the
   * source. With the audio's lag `measured`, their boundary first moves to
   * the keyframe nearest where the lag puts it (one windowed keyframe probe
   * around that time), and the manifest and telemetry say so; the plan stays
   * as it was when the move is too small, no keyframe is there or the probe
   * fails. Returns the plan the attempt goes on with.
   */
  private async releaseTail(run: AttemptRun, held: ChunkPlan, measured: TailMeasure | undefined): Promise<ChunkPlan> {
    const { job, attempt, tell } = run;
    const fps = run.context.source.framerate;
    const input = run.context.plan.source;
    let chunks = held;
    let keyframes = attempt.keyframes;
    const target = measured && tailBoundaryTarget(chunks, measured.lagSeconds, measured.speed, fps);
    if (measured && target !== undefined) {
      // A probe that fails only leaves the plan as it was: the move is an optimisation.
      const near = await this.attempts.keyframesNear(input, target);
      keyframes = [...keyframes, ...near];
      const moved = moveLastBoundary(chunks, target, fps, near);
      if (moved !== chunks) {
        chunks = moved;
        await attempt.dir.writeManifest({ ...attempt.manifest, segments: chunks.segments, rebalanced: true });
        const [before, last] = chunks.segments.slice(-2);
        this.logger.log(
          `job ${job.jobId} attempt ${job.attempt}: the audio's worker started ${measured.lagSeconds.toFixed(2)} s late; last segments ${before.duration} s + ${last.duration} s`,
        );
        tell(['rebalanced'], { segments: chunks.segments, lagSeconds: measured.lagSeconds, speed: measured.speed });
      }
    }
    const head = new Set(chunks.segments.slice(0, -2).map((s) => s.index));
    await this.queueSegments(run, chunks, { kind: 'seek', keyframes: segmentKeyframes(chunks, keyframes, fps) }, head);
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
  private async queueSegments(run: AttemptRun, chunks: ChunkPlan, inputs: SegmentInputs, done: ReadonlySet<number>): Promise<void> {
    const { job, context, attempt, tell } = run;
    const cuts = segmentCuts(chunks, context.source.framerate);
    const pieces = chunks.segments.map((_, i) => {
      if (inputs.kind === 'pieces') return { piece: pieceName(inputs.split.pieces[i].piece), offset: inputs.split.pieces[i].offset };
      if (inputs.kind === 'decode') return { piece: '', offset: inputs.from[i] };
      return { piece: '', offset: inputs.kind === 'seek' && i > 0 ? (inputs.keyframes[i] ?? 0) : 0 };
    });
    let queued = 0;
    const queueUpTo = async (ready: (piece: string) => boolean) => {
      while (queued < chunks.segments.length && ready(pieces[queued].piece)) {
        const i = queued++;
        const segment = chunks.segments[i];
        if (done.has(segment.index)) continue;
        // On a bucket root the piece goes up first: the replica that takes the item may be on another machine.
        if (pieces[i].piece) await attempt.dir.share(pieces[i].piece);
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
          presetVersion: BigInt(context.presetVersion),
        });
        tell(['segment', String(segment.index), 'queued'], { index: segment.index, replicaId: this.settings.replicaId });
      }
    };
    if (inputs.kind !== 'pieces') return queueUpTo(() => true);
    const { splitTimes } = inputs.split;

    const split = buildSplitCommand(context.plan.source.absolute, attempt.dir.path('piece-%03d.mkv'), splitTimes, attempt.dir.path(PIECE_LIST));
    const splitRun = runStep(this.ffmpeg, split, 'the split', run.signal, this.settings.stallMs, this.workDirs.shownPaths(context.plan.source));
    let splitEnded = false;
    const ended = splitRun.then(
      () => (splitEnded = true),
      () => (splitEnded = true),
    );
    while (!splitEnded) {
      const listed = new Set((await attempt.dir.readLocal(PIECE_LIST)).split('\n'));
      await queueUpTo((piece) => listed.has(piece));
      await Promise.race([ended, sleep(SPLIT_POLL_MS)]);
    }
    await splitRun;
    tell(['split'], { splitTimes });
    await queueUpTo(() => true);
  }
}
