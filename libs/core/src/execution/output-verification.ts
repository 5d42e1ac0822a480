import type { ProbeResult } from '../media/probe.mapper';

export interface ExpectedOutput {
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
  /** Seconds: what the kept streams hold in the job's range (rangeContents' duration). */
  readonly expectedDuration: number;
  /**
   * A stream copy trimmed at its start begins at the keyframe at or before
   * the start, so it may run longer than the range: the expected duration is
   * then only a lower bound.
   */
  readonly atLeast: boolean;
}

/** Audio codecs end on whole frames (an MP3 frame is 26 ms, plus padding): an audio track may overshoot by this much. */
const AUDIO_TOLERANCE_SECONDS = 0.1;

/**
 * Why a finished encode may not be published, or undefined if it may: the
 * streams the command asked for, and a duration within one frame of the
 * expected one (1/fps of the output; for a file with sound at least the
 * audio tolerance, since the container's duration is its longest track).
 */
export function outputProblem(probe: ProbeResult, expected: ExpectedOutput): string | undefined {
  const hasVideo = (probe.videoCodec ?? '') !== '';
  const hasAudio = (probe.audioCodec ?? '') !== '';
  if (hasVideo !== expected.hasVideo) return expected.hasVideo ? 'the output has no video stream' : 'the output has an unexpected video stream';
  if (hasAudio !== expected.hasAudio) return expected.hasAudio ? 'the output has no audio stream' : 'the output has an unexpected audio stream';

  const fps = probe.framerate ?? 0;
  const frame = hasVideo && fps > 0 ? 1 / fps : 0;
  const tolerance = Math.max(frame, hasAudio || frame === 0 ? AUDIO_TOLERANCE_SECONDS : 0);
  const duration = probe.duration ?? 0;
  const tooShort = duration < expected.expectedDuration - tolerance;
  const tooLong = !expected.atLeast && duration > expected.expectedDuration + tolerance;
  if (tooShort || tooLong) {
    const want = expected.atLeast ? `at least ${round(expected.expectedDuration)}` : `${round(expected.expectedDuration)} ± ${round(tolerance)}`;
    return `the output lasts ${round(duration)} s, expected ${want} s`;
  }
  return undefined;
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
