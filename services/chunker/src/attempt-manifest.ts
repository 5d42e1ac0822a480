import type { ChunkPlan, ChunkSegment } from '@mpr/core';

/** The attempt's manifest in its work directory: what its segment files were made from. */
export const MANIFEST = 'attempt.json';

/**
 * What decides the bytes of an attempt's segment and audio files: the plan's
 * segments, the preset version and how the segments read the source. Another
 * attempt of the job with an equal manifest would encode the same files.
 */
export interface AttemptManifest {
  readonly presetVersion: number;
  readonly inputs: 'seek' | 'decode' | 'pieces' | 'accurate';
  readonly segments: readonly ChunkSegment[];
  readonly audio: boolean;
  /**
   * The chunk length planned with. A retry of a job without a chunkDuration
   * plans with its lost attempt's rather than for the workers there are now
   * (one replica fewer, if it died), so that the plans match and the
   * finished segments are taken over (earlierChunkDuration).
   */
  readonly chunkDuration?: number;
  /** The boundary between the last two segments was moved once the audio's lag was known (tailBoundaryTarget). */
  readonly rebalanced?: boolean;
}

/** The chunk length a manifest (as read, perhaps not one) was planned with, if it says. Pure. */
export function earlierChunkDuration(previous: unknown): number | undefined {
  if (typeof previous !== 'object' || previous === null) return undefined;
  const { chunkDuration } = previous as Partial<AttemptManifest>;
  return typeof chunkDuration === 'number' && Number.isFinite(chunkDuration) && chunkDuration > 0 ? chunkDuration : undefined;
}

/**
 * Whether a retry may take over the finished files of the attempt before it
 * (`previous`, as read from its work directory, perhaps not a manifest at
 * all): only when they would be made the same way. Pure.
 */
export function reusable(previous: unknown, current: AttemptManifest): boolean {
  if (typeof previous !== 'object' || previous === null) return false;
  const p = previous as Partial<AttemptManifest>;
  return (
    p.presetVersion === current.presetVersion &&
    p.inputs === current.inputs &&
    p.audio === current.audio &&
    Array.isArray(p.segments) &&
    p.segments.length === current.segments.length &&
    p.segments.every((s, i) => sameSegment(s, current.segments[i]))
  );
}

/**
 * A retry's plan when its lost attempt moved its tail boundary: that
 * attempt's segments, so its finished ones are taken over — planned afresh,
 * the last two would differ (the move depends on how the audio ran). Only
 * when everything else about the two plans is the same. Pure.
 */
export function adoptRebalancedTail(previous: unknown, fresh: ChunkPlan): ChunkPlan | undefined {
  if (typeof previous !== 'object' || previous === null) return undefined;
  const p = previous as Partial<AttemptManifest>;
  const n = fresh.segments.length;
  if (p.rebalanced !== true || !Array.isArray(p.segments) || p.segments.length !== n || n < 2) return undefined;
  const head = fresh.segments.slice(0, n - 2).every((s, i) => sameSegment(s, p.segments![i]));
  const [before, last] = [p.segments[n - 2], p.segments[n - 1]];
  const tail =
    before.index === n - 2 &&
    before.start === fresh.segments[n - 2].start &&
    last.index === n - 1 &&
    last.start === before.end &&
    last.end === fresh.segments[n - 1].end &&
    before.end > before.start &&
    last.end > last.start;
  return head && tail ? { ...fresh, segments: p.segments } : undefined;
}

/** The same cut of the source. */
function sameSegment(a: ChunkSegment, b: ChunkSegment): boolean {
  return a.index === b.index && a.start === b.start && a.end === b.end;
}
