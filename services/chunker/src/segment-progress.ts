import type { ChunkSegment } from '@mpr/core';
import { AUDIO_FAILED, failedName, segmentName } from './chunker.settings';

/** What the coordinator knows of an attempt's segments at one look. */
export interface SegmentsSnapshot {
  readonly segments: readonly ChunkSegment[];
  /** Names in the attempt's work directory. */
  readonly files: ReadonlySet<string>;
  /** The audio item's file name when the audio is a queued item (its index is the segment count). */
  readonly queuedAudio?: string;
  /** Seconds each running segment has encoded, from the workers' reports. */
  readonly encodedSeconds: ReadonlyMap<number, number>;
  /** When each started, unfinished item last reported (ms). */
  readonly lastHeard: ReadonlyMap<number, number>;
  /** An item JetStream gave up on (delivered maxDeliver times, never settled). */
  readonly exhausted?: { readonly index: number; readonly audio: boolean };
  readonly now: number;
  readonly stallMs: number;
  readonly maxDeliver: number;
}

export type SegmentsAssessment =
  | { readonly state: 'running'; readonly percent: number }
  | { readonly state: 'done' }
  /** `marker`: the `.failed` file whose text is the encode's own reason. */
  | { readonly state: 'failed'; readonly retryable: boolean; readonly reason: string; readonly marker?: string };

/**
 * Where an attempt's segments stand. Pure. Failures first: an encode that
 * failed every delivery (its `.failed` marker: final, the input or preset is
 * at fault), an item whose workers all died (retryable), one that went
 * silent for the stall timeout (retryable). Otherwise done once every
 * segment (and a queued audio) is in place, else running with the video's
 * percentage up to 95 (the stitch and verification take the rest).
 */
export function assessSegments(snapshot: SegmentsSnapshot): SegmentsAssessment {
  const { segments, files, queuedAudio, maxDeliver } = snapshot;
  const fileOf = (index: number) => (index === segments.length ? (queuedAudio ?? '') : segmentName(index));
  const nameOf = (index: number) => (index === segments.length ? 'the audio' : `segment ${index}`);

  const failed = segments.find((s) => files.has(failedName(s.index)));
  if (failed) return { state: 'failed', retryable: false, reason: `segment ${failed.index} failed ${maxDeliver} times`, marker: failedName(failed.index) };
  if (queuedAudio && files.has(AUDIO_FAILED))
    return { state: 'failed', retryable: false, reason: `the audio failed ${maxDeliver} times`, marker: AUDIO_FAILED };
  const { exhausted } = snapshot;
  if (exhausted && !files.has(fileOf(exhausted.index))) {
    return {
      state: 'failed',
      retryable: true,
      reason: `${nameOf(exhausted.index)} was taken ${maxDeliver} times and never finished: the workers encoding it stopped`,
    };
  }
  const stuck = [...snapshot.lastHeard].find(([index, at]) => snapshot.now - at > snapshot.stallMs && !files.has(fileOf(index)));
  if (stuck) {
    const what = stuck[0] === segments.length ? 'the audio encode' : `segment ${stuck[0]}`;
    return { state: 'failed', retryable: true, reason: `${what} reported nothing for ${Math.round(snapshot.stallMs / 1000)} s: its encode is stuck` };
  }

  const total = segments.reduce((sum, s) => sum + s.duration, 0);
  const encoded = segments.reduce(
    (sum, s) => sum + (files.has(segmentName(s.index)) ? s.duration : Math.min(s.duration, snapshot.encodedSeconds.get(s.index) ?? 0)),
    0,
  );
  const allVideo = segments.every((s) => files.has(segmentName(s.index)));
  if (allVideo && (!queuedAudio || files.has(queuedAudio))) return { state: 'done' };
  return { state: 'running', percent: Math.min(95, Math.floor((encoded / Math.max(total, 1e-9)) * 95)) };
}
