import type { ChunkSegment } from '@mpr/core';

/** The attempt's manifest in its work directory: what its segment files were made from. */
export const MANIFEST = 'attempt.json';

/**
 * What decides the bytes of an attempt's segment and audio files: the plan's
 * segments, the preset version and how the segments read the source. Another
 * attempt of the job with an equal manifest would encode the same files.
 */
export interface AttemptManifest {
  readonly presetVersion: number;
  readonly inputs: 'seek' | 'pieces' | 'accurate';
  readonly segments: readonly ChunkSegment[];
  readonly audio: boolean;
  /**
   * The chunk length planned with. A retry of a job without a chunkDuration
   * plans with its lost attempt's rather than for the workers there are now
   * (one replica fewer, if it died), so that the plans match and the
   * finished segments are taken over (earlierChunkDuration).
   */
  readonly chunkDuration?: number;
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
    p.segments.every((s, i) => s.index === current.segments[i].index && s.start === current.segments[i].start && s.end === current.segments[i].end)
  );
}
