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

export interface KeyframeProbe {
  /**
   * The video keyframes' times in seconds on ffmpeg's timeline for this
   * input — from its start time, where -ss and -t count — sorted, without
   * duplicates.
   */
  readonly keyframes: number[];
  /** The input's start time (the earliest of its streams: 1.4 s in a typical MPEG-TS); undefined when ffprobe does not know it. */
  readonly formatStart?: number;
}

/**
 * Reads buildKeyframeProbe's output (`packet,0.000000,K_` lines, then
 * `format,0.000000`). The packets' times are less the input's start time:
 * an MPEG-TS whose clock starts at 1.4 s has its first keyframe at ~0, as
 * ffmpeg counts when it cuts, seeks or splits it.
 */
export function readKeyframeProbe(csv: string): KeyframeProbe {
  const packetTimes: number[] = [];
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
    if (!flags?.startsWith('K') || pts === 'N/A') continue;
    const time = Number(pts);
    if (Number.isFinite(time)) packetTimes.push(time);
  }
  const times = new Set(packetTimes.map((t) => micros(t - (formatStart ?? 0))).filter((t) => t >= 0));
  return { keyframes: [...times].sort((a, b) => a - b), formatStart };
}
