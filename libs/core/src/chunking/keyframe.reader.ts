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
  /** The video keyframes' presentation times in seconds, sorted, without duplicates. */
  readonly keyframes: number[];
  /**
   * The input's start time (the earliest of its streams), where ffmpeg's
   * timeline for -ss and -t begins; undefined when ffprobe does not know it.
   */
  readonly formatStart?: number;
}

/**
 * Reads buildKeyframeProbeArgs' output (`packet,0.000000,K_` lines, then
 * `format,0.000000`). The keyframes are the packets' own times: on ffmpeg's
 * timeline when the input starts at 0 (segmentsReadSource checks that).
 */
export function readKeyframeProbe(csv: string): KeyframeProbe {
  const times = new Set<number>();
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
    if (Number.isFinite(time) && time >= 0) times.add(micros(time));
  }
  return { keyframes: [...times].sort((a, b) => a - b), formatStart };
}
