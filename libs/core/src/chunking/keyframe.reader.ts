import { type FfprobeCommand, ffprobeOf } from '../ffmpeg/ffprobe-command';
import { ffmpegNumber } from '../ffmpeg/ffmpeg-number';
import { micros } from '../media/source-range';

/**
 * ffprobe's command listing the video packets' timestamps and flags, then the
 * input's start time: it reads packets without decoding them (about as fast
 * as a stream copy), but reads them all — the whole file. With `around` (an
 * indexed source: MP4/MOV), only a window after each of those times: the
 * demuxer seeks to the keyframe at or before the time by the index and reads
 * AROUND_WINDOW seconds from there, so the probe costs the same for a minute
 * as for a 50 GB film. The output can be several MB for a long film: give
 * execFile a maxBuffer to match.
 */
export function buildKeyframeProbe(input: string, around?: readonly number[]): FfprobeCommand {
  return ffprobeOf(input, {
    read: [
      '-select_streams',
      'V:0',
      ...(around && around.length > 0 ? ['-read_intervals', around.map((t) => `${ffmpegNumber(Math.max(0, t))}%+${AROUND_WINDOW}`).join(',')] : []),
    ],
    show: ['-show_entries', 'packet=pts_time,flags:format=start_time'],
    format: 'csv=p=1',
  });
}

/** Seconds read after each time of a windowed probe: the keyframe at or before it and those just after, for a GOP up to about this long. */
const AROUND_WINDOW = 2;

/**
 * buildKeyframeProbe's listing for the video packets of `span` (on the
 * input's clock) only, for the frames of a range (KeyframeProbe.frames)
 * where the keyframe probe read just windows. ffprobe stops at the first
 * packet at or past the interval's end, in decode order, where a B-frame
 * shown before that end may still follow: the read goes a window further.
 */
export function buildRangeFramesProbe(input: string, span: { readonly start: number; readonly end: number }): FfprobeCommand {
  return ffprobeOf(input, {
    read: ['-select_streams', 'V:0', '-read_intervals', `${ffmpegNumber(Math.max(0, span.start))}%${ffmpegNumber(span.end + AROUND_WINDOW)}`],
    show: ['-show_entries', 'packet=pts_time,flags:format=start_time'],
    format: 'csv=p=1',
  });
}

export interface KeyframeProbe {
  /**
   * The video keyframes' times in seconds on ffmpeg's timeline for this
   * input — from its start time, where -ss and -t count — sorted, without
   * duplicates.
   */
  readonly keyframes: number[];
  /** The input's start time (the earliest of its streams: 1.4 s in a typical MPEG-TS); undefined when ffprobe does not know it. */
  readonly formatStart?: number;
  /**
   * Every listed video packet's time, on the keyframes' timeline, sorted: the
   * source's frames (one packet each), which an encode without a preset rate
   * keeps (source-range's framesIn). Undefined when a packet has no time (AVI:
   * MPEG-4 Part 2 B-frames, MPEG-1's empty chunks). Of a windowed probe, only
   * the windows' frames.
   */
  readonly frames?: readonly number[];
}

/**
 * Reads buildKeyframeProbe's output (`packet,0.000000,K_` lines, then
 * `format,0.000000`). The packets' times are less the input's start time:
 * an MPEG-TS whose clock starts at 1.4 s has its first keyframe at ~0, as
 * ffmpeg counts when it cuts, seeks or splits it.
 */
export function readKeyframeProbe(csv: string): KeyframeProbe {
  const packetTimes: number[] = [];
  const frameTimes: number[] = [];
  let untimed = false;
  let formatStart: number | undefined;
  for (const line of csv.split('\n')) {
    const [section, ...fields] = line.trim().split(',');
    if (section === 'format') {
      const start = Number(fields[0]);
      formatStart = fields[0] !== 'N/A' && Number.isFinite(start) ? micros(start) : undefined;
      continue;
    }
    if (section !== 'packet') continue;
    const [pts, flags] = fields;
    const time = Number(pts);
    if (pts === 'N/A' || !Number.isFinite(time)) {
      untimed = true;
      continue;
    }
    frameTimes.push(time);
    if (flags?.startsWith('K')) packetTimes.push(time);
  }
  const onTimeline = (t: number) => micros(t - (formatStart ?? 0));
  const times = new Set(packetTimes.map(onTimeline).filter((t) => t >= 0));
  const frames = untimed ? undefined : frameTimes.map(onTimeline).sort((a, b) => a - b);
  return { keyframes: [...times].sort((a, b) => a - b), formatStart, frames };
}
