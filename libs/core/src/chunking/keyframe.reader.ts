import { safeInputArgs } from '../media/media-types';
import { micros } from './chunk.planner';

/**
 * ffprobe's argv listing the video packets' timestamps and flags, then the
 * input's start time: it reads packets without decoding them (about as fast
 * as a stream copy). The output is one line per packet and can be several MB
 * for a long film: give execFile a maxBuffer to match.
 */
export function buildKeyframeProbeArgs(input: string): string[] {
  return [
    '-v',
    'error',
    ...safeInputArgs(),
    '-select_streams',
    'V:0',
    '-show_entries',
    'packet=pts_time,flags:format=start_time',
    '-print_format',
    'csv=p=1',
    '-i',
    `file:${input}`,
  ];
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
}

/**
 * Reads buildKeyframeProbeArgs' output (`packet,0.000000,K_` lines, then
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
