import { displayedSize, normalRotation, type Orientation, orientationOf } from '../media/display-rotation';
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
  /** How the output's picture must show, when it has one (expectedShown). */
  readonly shown?: ExpectedShown;
}

/**
 * How an output's picture must show: turned as the source's shows. An encode
 * is turned upright by ffmpeg (no matrix left), so only what it shows is
 * held to the source's; a stream copy keeps the coded picture, so its display
 * matrix must be the source's too (a square or half-turned picture shows no
 * other difference).
 */
export interface ExpectedShown {
  readonly orientation: Orientation;
  /** Set for a stream copy of the video: the rotation its display matrix must have. */
  readonly rotation?: number;
}

/** What an output of `source` must show, its video encoded or copied. Pure. */
export function expectedShown(source: Pick<ProbeResult, 'width' | 'height' | 'rotation'>, copiesVideo: boolean): ExpectedShown {
  return { orientation: orientationOf(source), ...(copiesVideo ? { rotation: normalRotation(source.rotation) } : {}) };
}

/**
 * Why an output's picture does not show as its source's (a stream copy into a container that dropped the display
 * matrix shows a phone clip on its side), or undefined. Pure.
 */
export function shownProblem(probe: Pick<ProbeResult, 'width' | 'height' | 'rotation' | 'videoCodec'>, shown: ExpectedShown | undefined): string | undefined {
  if (!shown || !probe.videoCodec) return undefined;
  const rotation = normalRotation(probe.rotation);
  const { width, height } = displayedSize(probe);
  const seen = `${width}×${height} as shown, its display matrix turning it ${rotation}°`;
  if (orientationOf(probe) !== shown.orientation) return `the output's picture is ${orientationOf(probe)} (${seen}), the source's ${shown.orientation}`;
  if (shown.rotation !== undefined && rotation !== shown.rotation)
    return `the copied picture is turned ${rotation}° (${seen}), the source's ${shown.rotation}°`;
  return undefined;
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
  const turned = shownProblem(probe, expected.shown);
  if (turned) return turned;

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
