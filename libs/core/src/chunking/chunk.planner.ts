import { ValidationError } from '../errors/domain.errors';
import { micros, sourceRange, type Span } from '../media/source-range';

export interface ChunkPlanRequest {
  /** The source's duration in seconds (from its probe). */
  readonly duration: number;
  readonly trimStart?: number;
  /** Past the end of the source it means the end, as in a single-pass encode. */
  readonly trimEnd?: number;
  /** The job's chunkDuration; the default is chosen from the range and the workers (defaultChunkDuration). */
  readonly chunkDuration?: number;
  /** The segment workers of every chunker replica together, when known: the default chunk length follows them. */
  readonly workers?: number;
  /**
   * Presentation times of the source's video keyframes, in seconds from the
   * start of the source (readKeyframeProbe). Boundaries snap to them: a segment
   * that starts on a keyframe decodes nothing it throws away.
   */
  readonly keyframes?: readonly number[];
  /** The source's frame rate: boundaries fall on its frames. */
  readonly fps: number;
  /**
   * The segments are cut from the source by stream copy (the fast path,
   * buildSplitCommand), which can only cut on keyframes: keyframes are required.
   */
  readonly streamCopy: boolean;
}

export interface ChunkSegment {
  readonly index: number;
  /** Seconds from the start of the source; `end` is exclusive, and the next segment's `start`. */
  readonly start: number;
  readonly end: number;
  readonly duration: number;
}

export interface ChunkPlan {
  /** In order, without gaps or overlaps: together exactly [trimStart, trimEnd). */
  readonly segments: readonly ChunkSegment[];
  /** The chunk duration aimed at: the job's, or the default for this range. */
  readonly chunkDuration: number;
}

/**
 * Default chunk length for a range of `rangeDuration` seconds shared by
 * `workers` segment workers (all replicas together): about two segments per
 * worker, range / (2 × workers), rounded to whole seconds, within [5 s, 120 s].
 *
 * - Every segment is an ffmpeg process of its own, which costs 0.3–0.45 s of
 *   CPU more than its share of a single pass (loading Debian's ffmpeg, the
 *   first frames' cold caches): with one worker on two cores, 60 s of 1080p in
 *   8 segments ran ×0.88 the single pass's speed, in 2 segments ×1.15
 *   (docs/chunker.md, "Chunk length"). So no more segments than the workers
 *   can use.
 * - Two per worker rather than one: the queue hands the second ones to
 *   whichever workers finish first, so uneven encodes even out.
 * - Never under 5 s: below that the process's cost is a fifth of the encode.
 *
 * Without the workers: max(10 s, range / 16), rounded to whole seconds,
 * within [2 s, 120 s].
 *
 * - 16 segments are enough to keep every worker of a few replicas busy on one
 *   job; more only adds seams and per-segment overhead.
 * - Below ~10 s that overhead (an ffmpeg start, the encoder's lookahead
 *   warming up, rate control starting afresh, a keyframe at every seam) is no
 *   longer small against the encode itself.
 * - Above 120 s one slow or retried segment holds the whole job back.
 * - Never below 2 s, so that no segment is shorter than a typical GOP.
 */
export function defaultChunkDuration(rangeDuration: number, workers?: number): number {
  if (workers !== undefined && Number.isInteger(workers) && workers >= 1) return Math.min(120, Math.max(5, Math.round(rangeDuration / (2 * workers))));
  return Math.min(120, Math.max(2, Math.round(Math.max(10, rangeDuration / 16))));
}

/**
 * Plans the time-based segments of a chunked job. Pure.
 *
 * Boundaries fall on the source's frames (multiples of 1/fps from the start
 * of the source, where its frames are: with a trimStart on a frame, as the
 * timeline UI picks it, these are also multiples from the range start), so
 * each frame belongs to exactly one segment and seams neither duplicate nor
 * drop frames. With keyframes (always with stream copy) each boundary is the
 * keyframe nearest the ideal one. A remainder shorter than half a chunk is
 * not a segment of its own: it stays with the one before.
 */
export function planChunks(request: ChunkPlanRequest): ChunkPlan {
  const { duration, fps, keyframes, streamCopy } = request;
  if (!(Number.isFinite(duration) && duration > 0)) throw new Error(`source duration must be > 0, got ${duration}`);
  if (!(Number.isFinite(fps) && fps > 0)) throw new Error(`source frame rate must be > 0, got ${fps}`);
  if (streamCopy && keyframes === undefined) {
    throw new Error("a stream-copy split cuts on keyframes: the source's keyframes are required");
  }
  const { start, end } = resolveRange(request);
  const chunkDuration = request.chunkDuration ?? defaultChunkDuration(end - start, request.workers);
  if (!(Number.isFinite(chunkDuration) && chunkDuration > 0)) {
    throw new ValidationError('chunkDuration must be a number of seconds > 0', 'chunkDuration');
  }

  const frame = 1 / fps;
  // Not the earliest keyframe of a probe that read the file from its start: the video begins there, and a
  // boundary on it leaves the segment before it without a frame (a video starting 0.119 s after the audio,
  // chunks of 1 s: segment 0 was [0, 0.125), an empty Matroska the stitch refused — `0x00 at pos 204 … EBML
  // number` — and an SVT-AV1 encode that hung until the watchdog). An MP4's windowed probe reads from the
  // first target on, so its earliest keyframe lies a chunk past the start and stays a candidate.
  const sorted = keyframes ? [...keyframes].sort((a, b) => a - b) : undefined;
  const snapTargets = sorted?.filter((k, i) => !(i === 0 && k < start + chunkDuration / 2)).map((k) => onFrame(k, fps));
  const boundaries = [start];
  let cursor = start;
  // Split off another chunk only while the rest is at least 1.5 chunks, so the last is >= half a chunk.
  while (end - cursor >= 1.5 * chunkDuration) {
    const target = cursor + chunkDuration;
    const next = snapTargets ? nearest(snapTargets, target, cursor + frame, end - frame) : onFrame(target, fps);
    if (next === undefined || next - cursor < frame || end - next < frame) break;
    boundaries.push(next);
    cursor = next;
  }
  boundaries.push(end);

  const segments = boundaries.slice(0, -1).map((segmentStart, index) => segmentOf(index, segmentStart, boundaries[index + 1]));
  return { segments, chunkDuration };
}

/**
 * The ideal boundaries of a plan, before any keyframe is known: every
 * chunkDuration from the range's start, on the source's frames, as long as
 * half a chunk or more remains after. Where a probe of an indexed source
 * looks for keyframes (buildKeyframeProbe's `around`), so that it need not
 * read the whole file. Pure.
 */
export function chunkTargets(request: Omit<ChunkPlanRequest, 'keyframes' | 'streamCopy'>): number[] {
  const { start, end } = resolveRange({ ...request, streamCopy: false });
  const chunkDuration = request.chunkDuration ?? defaultChunkDuration(end - start, request.workers);
  if (!(Number.isFinite(chunkDuration) && chunkDuration > 0)) return [];
  const targets: number[] = [];
  for (let t = start + chunkDuration; end - t >= 0.5 * chunkDuration; t += chunkDuration) targets.push(onFrame(t, request.fps));
  return targets;
}

/**
 * Where the boundary between a plan's last two segments should move so that
 * the worker which encoded the audio first ends with the others. Pure.
 *
 * The audio is queued ahead of the segments and one worker takes it: that
 * worker starts its video `lagSeconds` after the others, and with equal
 * segments it ends that much after them — the whole job waits for it (bench
 * (c): 1.9 s of a 13.9 s job, two replicas on a core each). The last two
 * segments are queued once the lag is known: the worker free last (the one
 * that took the audio) takes the last segment, another the one before it.
 * Moving their boundary by half the lag's worth of video (`speed`: seconds
 * of media one segment encode does per second, as measured) makes those two
 * end together. At most half the last segment moves, so neither becomes a
 * sliver; undefined when the move would be under two frames or nothing is
 * known to measure it by.
 */
export function tailBoundaryTarget(plan: ChunkPlan, lagSeconds: number, speed: number, fps: number): number | undefined {
  const n = plan.segments.length;
  if (n < 2 || !(lagSeconds > 0) || !(speed > 0) || !(fps > 0)) return undefined;
  const last = plan.segments[n - 1];
  const shift = Math.min((lagSeconds * speed) / 2, last.duration / 2);
  if (shift < 2 / fps) return undefined;
  return micros(last.start + shift);
}

/**
 * The plan with the boundary between its last two segments moved later, to
 * the keyframe nearest `target` (with keyframes; to the frame nearest it
 * without), the last segment keeping at least a frame. The same plan when
 * no keyframe lies after the boundary there. Pure.
 */
export function moveLastBoundary(plan: ChunkPlan, target: number, fps: number, keyframes?: readonly number[]): ChunkPlan {
  const n = plan.segments.length;
  if (n < 2) return plan;
  const [before, last] = [plan.segments[n - 2], plan.segments[n - 1]];
  const frame = 1 / fps;
  const candidates = keyframes ? keyframes.map((k) => onFrame(k, fps)).sort((a, b) => a - b) : undefined;
  // Only later: the last segment goes to the worker that is free last.
  const boundary = candidates ? nearest(candidates, target, last.start, last.end - frame) : onFrame(target, fps);
  if (boundary === undefined || boundary <= last.start || last.end - boundary < frame) return plan;
  const segments = [...plan.segments.slice(0, n - 2), segmentOf(before.index, before.start, boundary), segmentOf(last.index, boundary, last.end)];
  return { ...plan, segments };
}

/** The same range a single-pass encode of the job covers (sourceRange). */
function resolveRange(request: ChunkPlanRequest): Span {
  return sourceRange({ start: request.trimStart, end: request.trimEnd }, request.duration);
}

function segmentOf(index: number, start: number, end: number): ChunkSegment {
  return { index, start, end, duration: micros(end - start) };
}

/** The frame time nearest `t`. */
function onFrame(t: number, fps: number): number {
  return micros(Math.round(t * fps) / fps);
}

/** The keyframe nearest `target` within [min, max], or undefined if none is. */
function nearest(sorted: readonly number[], target: number, min: number, max: number): number | undefined {
  let best: number | undefined;
  for (const k of sorted) {
    if (k < min - 1e-9 || k > max + 1e-9) continue;
    if (best === undefined || Math.abs(k - target) < Math.abs(best - target)) best = k;
  }
  return best;
}
