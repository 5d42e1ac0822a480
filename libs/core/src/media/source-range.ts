import type { MessageInitShape } from '@bufbuild/protobuf';
import type { MediaProbeSchema } from '@mpr/contracts/asset_pb';
import { ValidationError } from '../errors/domain.errors';
import { UnsupportedCombination } from '../ffmpeg/transcode.errors';

/**
 * The one place that knows what a range of a source holds: the trim rule
 * (the job decider, the API, the builder and the chunk planner all ask it),
 * and what an output of the range keeps — which streams, how long, how many
 * frames and samples — from where each kept stream really begins and ends
 * (the probe's videoStart…audioEnd), not from the container's duration,
 * which is its longest stream's. Pure.
 */

/** A time range of the source, in seconds; a missing side is the start or the end of the source. */
export interface TrimRange {
  readonly start?: number;
  readonly end?: number;
}

/** [start, end) on the source's timeline, in seconds: within the source, rounded to microseconds. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

type SourceProbe = MessageInitShape<typeof MediaProbeSchema>;

/** What a preset makes: its name (for reasons), its codecs ('' = none of that kind, 'copy' = stream copy). */
export interface PresetStreams {
  readonly name?: string;
  readonly videoCodec?: string;
  readonly audioCodec?: string;
}

/** Seconds rounded to microseconds, ffmpeg's time base, so that sums and differences come out exact. */
export function micros(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

/** The trim's own rule, before its source is known (the job decider has no probe). */
export function checkTrim(trim: TrimRange): void {
  const start = trim.start ?? 0;
  if (!(Number.isFinite(start) && start >= 0)) {
    throw new ValidationError('trimStart must be a number of seconds >= 0', 'trimStart');
  }
  if (trim.end !== undefined && !(Number.isFinite(trim.end) && trim.end > start)) {
    throw new ValidationError('trimEnd must be after trimStart', 'trimEnd');
  }
}

/**
 * The range of a source of `duration` seconds that a job covers: a trimEnd
 * past the end of the source means its end, as ffmpeg's -t does.
 */
export function sourceRange(trim: TrimRange, duration: number): Span {
  checkTrim(trim);
  const start = trim.start ?? 0;
  if (start >= duration) {
    throw new ValidationError(`trimStart ${start}s is not before the end of the source (${duration}s)`, 'trimStart');
  }
  return { start: micros(start), end: micros(Math.min(trim.end ?? duration, duration)) };
}

/**
 * Whether an encode of the range stops at its end (`-t`), or reads the
 * source to its end, as an encode of the whole source does: a range that
 * reaches the source's end is not cut there. The decoder's last frames can
 * lie past the end the probe declares — MPEG-4 Part 2 B-frames in AVI have
 * no presentation times, and ffmpeg's decoder puts each frame one frame late
 * (0.04…1.60 s for 40 frames declared as 1.6 s) — and a cut at 1.6 s lost
 * the last of them: a chunked whole job's last segment had 39 frames where
 * the single pass, reading to the end, had 40 ([M5] matrix). Pure.
 */
export function cutsEnd(range: Span, duration: number): boolean {
  return range.end < micros(duration);
}

/**
 * Whether the source's audio is timed by its samples rather than by the
 * demuxer's timestamps. AVI stores none for audio: ffmpeg's demuxer derives
 * them from chunk sizes, emulating DirectShow, and for MP3 counts each
 * chunk as ceil(bytes / nBlockAlign) frames — an 836-byte frame of 11.025 kHz
 * MP3 under nBlockAlign 576 counts as two: 1.2 s of sound stamped over
 * 2.35 s, and encodes filled the gaps ([M5] matrix, blue-house.avi). In AVI
 * the audio is one continuous run of samples, so its time is their count:
 * the probe measures its end from its packets' durations, and an encode
 * re-times it from its samples (transcode-command's audioArgs). Pure.
 */
export function audioTimedBySamples(container: string | undefined): boolean {
  return (container ?? '').split(',').includes('avi');
}

/**
 * Which streams an encode maps: those the preset makes that the source has.
 * Refuses a preset that makes nothing from this source, and one that encodes
 * video from a source without any: its output would be the sound alone in
 * a video container (an .mp4 or .webm without a picture), which is what an
 * audio preset is for. A stream copy (the remux) copies what there is.
 */
export function keptStreams(preset: PresetStreams, source: SourceProbe): { hasVideo: boolean; hasAudio: boolean } {
  const sourceVideo = (source.videoCodec ?? '') !== '';
  const sourceAudio = (source.audioCodec ?? '') !== '';
  const hasVideo = sourceVideo && (preset.videoCodec ?? '') !== '';
  const hasAudio = sourceAudio && (preset.audioCodec ?? '') !== '';
  const has = sourceVideo ? 'video only' : sourceAudio ? 'audio only' : 'neither video nor audio';
  if (!hasVideo && !hasAudio) {
    const wants = !preset.videoCodec ? 'audio' : !preset.audioCodec ? 'video' : 'video or audio';
    throw new UnsupportedCombination(`preset "${preset.name ?? ''}" makes ${wants}, but the source has ${has}: the output would be empty`);
  }
  if (!sourceVideo && (preset.videoCodec ?? '') !== '' && preset.videoCodec !== 'copy') {
    throw new UnsupportedCombination(`preset "${preset.name ?? ''}" makes video, but the source has ${has}: the output would have no picture; use an audio preset`);
  }
  return { hasVideo, hasAudio };
}

/** What the output of a range holds (rangeContents). */
export interface RangeContents {
  /** The job's range of the source. */
  readonly range: Span;
  /** The kept video and audio within the range; undefined when the output has none (not kept, or none in the range). */
  readonly video?: Span;
  readonly audio?: Span;
  /** Seconds the output lasts: from the range's start to where its last kept stream ends. */
  readonly duration: number;
}

/**
 * What an encode of `trim` with `preset` holds, from where the source's kept
 * streams begin and end: a stream that ends early ends the output's copy of
 * it early too (a 166-frame video under audio 35 ms longer gives 166
 * frames; MP3 audio of 1.13 s beside 1.6 s of video gives an audio output of
 * 1.13 s). A probe without the stream spans (an asset probed before they
 * were recorded) counts each stream as the whole source, as the container
 * says. Throws a ValidationError or UnsupportedCombination naming why the
 * job cannot work: a trim outside the source, a preset that makes nothing
 * from it, a range where none of the kept streams has anything, a stream
 * copy of audio whose timestamps run past its samples (audioStampedEnd).
 */
export function rangeContents(source: SourceProbe, trim: TrimRange, preset: PresetStreams): RangeContents {
  const range = sourceRange(trim, source.duration ?? 0);
  const kept = keptStreams(preset, source);
  if (kept.hasAudio && preset.audioCodec === 'copy' && source.audioStampedEnd !== undefined) {
    // ffmpeg 5.1 cannot re-time copied packets exactly (the setts filter works in the muxer's milliseconds,
    // drifting a little each packet; -itsscale is linear and not applied where -t cuts): refused, with the way out.
    throw new UnsupportedCombination(
      `preset "${preset.name ?? ''}" copies the audio, but the source's ${source.audioCodec} audio is stamped over ${source.audioStampedEnd} s ` +
        `for ${source.audioEnd ?? '?'} s of sound (an AVI whose demuxer counts each chunk as more than one frame): a stream copy would keep those ` +
        `timestamps and play gaps; use a preset that encodes the audio`,
    );
  }
  const video = kept.hasVideo ? within(range, source.videoStart, source.videoEnd) : undefined;
  // A range that reaches the source's end is read to the end (cutsEnd): its audio ends where the decoder ends
  // it, which may be past the container's duration (the probe's audioEnd: a last AAC frame decoded whole).
  const audioRange = cutsEnd(range, source.duration ?? 0) ? range : { start: range.start, end: Math.max(range.end, source.audioEnd ?? range.end) };
  const audio = kept.hasAudio ? within(audioRange, source.audioStart, source.audioEnd) : undefined;
  if (!video && !audio) {
    const kind = kept.hasVideo ? (kept.hasAudio ? 'video or audio' : 'video') : 'audio';
    const spans = [kept.hasVideo ? streamSpan('video', source.videoStart, source.videoEnd) : '', kept.hasAudio ? streamSpan('audio', source.audioStart, source.audioEnd) : '']
      .filter(Boolean)
      .join(', ');
    throw new ValidationError(`the range ${range.start}–${range.end} s holds no ${kind} (the source's ${spans})`, trim.start ? 'trimStart' : 'trimEnd');
  }
  const end = Math.max(video?.end ?? 0, audio?.end ?? 0);
  return { range, video, audio, duration: micros(end - range.start) };
}

/** The part of a stream that lies in the range, or undefined if none does (an unknown side is the range's). */
function within(range: Span, start: number | undefined, end: number | undefined): Span | undefined {
  const from = micros(Math.max(range.start, start ?? range.start));
  const to = micros(Math.min(range.end, end ?? range.end));
  return to > from ? { start: from, end: to } : undefined;
}

function streamSpan(kind: string, start: number | undefined, end: number | undefined): string {
  return `${kind} lies in ${start ?? 0}–${end ?? '?'} s`;
}

/**
 * The frames an encode of the span holds, as ffmpeg cuts them (a frame at
 * the span's start is in, one at its end is out; the epsilon absorbs the
 * microsecond rounding of the span). An encode without a preset rate keeps
 * the source's own frames (`-fps_mode vfr`): given their times (`frames`,
 * on the media's timeline: the source's video packets), those in the span —
 * a variable-rate WebM showing 6 of every 10 frames of 25 fps has 30 frames
 * in 2 s, where its rate said 46 ([M5] matrix, vfr-opus.webm). Otherwise
 * (a preset rate, or packets without times) the frames k/fps of the rate.
 */
export function framesIn(span: Span, fps: number, frames?: readonly number[]): number {
  if (frames) return frames.filter((t) => t >= span.start - FRAME_EPSILON && t < span.end - FRAME_EPSILON).length;
  return Math.ceil(span.end * fps - 1e-6) - Math.ceil(span.start * fps - 1e-6);
}

/** Half a microsecond: spans and packet times are both rounded to microseconds. */
const FRAME_EPSILON = 5e-7;
