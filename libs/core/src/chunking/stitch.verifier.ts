import { type FfprobeCommand, ffprobeOf } from '../ffmpeg/ffprobe-command';
import { framesIn, micros, type Span } from '../media/source-range';

/** What ffprobe says about a stitched output (readStitchFacts). */
export interface StitchFacts {
  /** Video packets read (`-count_packets`): one per frame; undefined without video. */
  readonly videoFrames?: number;
  /** The container's duration, seconds. */
  readonly duration: number;
  /** Audio samples the output plays, undefined without audio or if ffprobe cannot tell. */
  readonly audioSamples?: number;
}

/** What a single-pass encode of the same job gives (expectedStitch). */
export interface StitchExpectation {
  readonly videoFrames?: number;
  readonly duration: number;
  readonly audioSamples?: number;
  /** Tolerances: one frame of each. */
  readonly frameDuration: number;
  readonly audioFrameSamples: number;
}

export type StitchVerdict = { readonly ok: true } | { readonly ok: false; readonly reasons: readonly string[] };

/**
 * Samples per audio frame, the tolerance on the audio: a single-pass encode
 * also pads its last frame. 1024 for AAC, 1152 for MP3, 960 (20 ms at
 * 48 kHz) for Opus; 1024 for the rest.
 */
export function audioFrameSamples(audioCodec: string): number {
  switch (audioCodec) {
    case 'libmp3lame':
      return 1152;
    case 'libopus':
      return 960;
    default:
      return 1024;
  }
}

export interface ExpectationInput {
  /** The job's range in seconds from the start of the source (first segment's start, last one's end). */
  readonly start: number;
  readonly end: number;
  /**
   * The parts of the range the source's video and audio really hold
   * (rangeContents): a stream that ends early ends early in the output too.
   * Undefined: the whole range (an asset probed before its streams' spans).
   */
  readonly video?: Span;
  readonly audio?: Span;
  /** The output frame rate: the preset's, else the source's. */
  readonly fps: number;
  /**
   * The source's video frames (their times on the media's timeline) when the
   * output keeps them, as an encode without a preset rate does: counted in
   * the range instead of at `fps` (framesIn). Undefined: counted at `fps`.
   */
  readonly sourceFrames?: readonly number[];
  /** The output sample rate, if the job has audio. */
  readonly audioSampleRate?: number;
  /** The preset's audio codec (audioFrameSamples). */
  readonly audioCodec?: string;
  readonly hasVideo: boolean;
}

/**
 * What the stitched output must match: the frames of the video in the range
 * (the source's own frames in it, or those whose timestamp k/fps lies in
 * it, as a single-pass encode cuts them: framesIn), the samples of the audio
 * in it, and its duration: from the range's start to where the last of them
 * ends.
 */
export function expectedStitch(input: ExpectationInput): StitchExpectation {
  const { start, end, fps, audioSampleRate } = input;
  const range = { start, end };
  const video = input.hasVideo ? (input.video ?? range) : undefined;
  const audio = audioSampleRate ? (input.audio ?? range) : undefined;
  const last = Math.max(video?.end ?? 0, audio?.end ?? 0, video || audio ? 0 : end);
  return {
    videoFrames: video ? framesIn(video, fps, input.sourceFrames) : undefined,
    duration: micros(last - start),
    audioSamples: audio && audioSampleRate ? Math.round((audio.end - audio.start) * audioSampleRate) : undefined,
    frameDuration: 1 / fps,
    audioFrameSamples: audioFrameSamples(input.audioCodec ?? ''),
  };
}

/** Compares a stitched output with what it must be; only a verified output is published. */
export function verifyStitch(facts: StitchFacts, expected: StitchExpectation): StitchVerdict {
  const reasons: string[] = [];
  if (expected.videoFrames !== undefined) {
    if (facts.videoFrames === undefined) reasons.push('the output has no video');
    else if (Math.abs(facts.videoFrames - expected.videoFrames) > 1) {
      reasons.push(`${facts.videoFrames} video frames, expected ${expected.videoFrames} (±1)`);
    }
  }
  if (!(Math.abs(facts.duration - expected.duration) <= expected.frameDuration + 1e-6)) {
    reasons.push(`duration ${facts.duration}s, expected ${expected.duration}s (±${micros(expected.frameDuration)}s)`);
  }
  if (expected.audioSamples !== undefined) {
    if (facts.audioSamples === undefined) reasons.push('the output has no audio, or its length is unknown');
    else if (Math.abs(facts.audioSamples - expected.audioSamples) > expected.audioFrameSamples) {
      reasons.push(`${facts.audioSamples} audio samples, expected ${expected.audioSamples} (±${expected.audioFrameSamples})`);
    }
  }
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

/**
 * ffprobe's command for readStitchFacts. `-count_packets` reads the whole file
 * (no decoding: a fraction of a second for minutes of video).
 */
export function buildStitchProbe(path: string): FfprobeCommand {
  return ffprobeOf(path, {
    read: ['-count_packets'],
    // Whole streams and format: the same answer also makes the output asset's probe (mapProbe), one ffprobe less.
    show: ['-show_format', '-show_streams'],
    format: 'json',
  });
}

interface ProbeStream {
  codec_type?: string;
  nb_read_packets?: string;
  duration?: string;
  duration_ts?: number;
  time_base?: string;
  start_time?: string;
  sample_rate?: string;
  tags?: { DURATION?: string };
}

export interface StitchProbeOutput {
  streams?: ProbeStream[];
  format?: { duration?: string };
}

/** Maps buildStitchProbe's JSON to StitchFacts. */
export function readStitchFacts(probe: StitchProbeOutput): StitchFacts {
  const streams = probe.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  return {
    videoFrames: video?.nb_read_packets !== undefined ? Number(video.nb_read_packets) : undefined,
    duration: Number(probe.format?.duration ?? Number.NaN),
    audioSamples: audio ? audioSamples(audio) : undefined,
  };
}

/**
 * In MP4 the audio's time base is 1/sample rate and duration_ts its exact
 * sample count, priming excluded. Matroska gives no stream duration, only
 * a DURATION tag (`00:00:06.037000000`), priming included: where the stream
 * ends, so a stream that starts late (WMA's decoder puts its first frame
 * 0.092 s in, and the stitch lays the audio there) lasts that less. A
 * negative start (Opus pre-skip) is the priming the tag includes.
 */
function audioSamples(stream: ProbeStream): number | undefined {
  const rate = Number(stream.sample_rate);
  if (!(rate > 0)) return undefined;
  if (stream.duration_ts !== undefined && stream.time_base === `1/${rate}`) return stream.duration_ts;
  if (stream.duration !== undefined) return Number.isFinite(Number(stream.duration)) ? Math.round(Number(stream.duration) * rate) : undefined;
  const end = parseClock(stream.tags?.DURATION);
  const start = Number(stream.start_time);
  const late = Number.isFinite(start) && start > 0 ? start : 0;
  return end !== undefined && Number.isFinite(end) ? Math.round((end - late) * rate) : undefined;
}

function parseClock(text: string | undefined): number | undefined {
  const match = text ? /^(\d+):(\d\d):(\d\d(?:\.\d+)?)$/.exec(text) : null;
  return match ? Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) : undefined;
}
