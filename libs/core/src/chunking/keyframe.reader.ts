import { safeInputArgs } from '../media/media-types';
import { micros } from './chunk.planner';

/**
 * ffprobe's argv listing the video packets' timestamps and flags: it reads
 * packets without decoding them (about as fast as a stream copy). The output
 * is one line per packet and can be several MB for a long film: give execFile
 * a maxBuffer to match.
 */
export function buildKeyframeProbeArgs(input: string): string[] {
  return [
    '-v',
    'error',
    ...safeInputArgs(),
    '-select_streams',
    'V:0',
    '-show_entries',
    'packet=pts_time,flags',
    '-print_format',
    'csv=p=0',
    '-i',
    `file:${input}`,
  ];
}

/**
 * The keyframes' times from buildKeyframeProbeArgs' output (`0.000000,K_`),
 * in seconds from the start of the source: less `startTime`, the video
 * stream's start time, since ffmpeg makes an input's timeline start at 0
 * when it cuts or seeks. Sorted, without duplicates.
 */
export function readKeyframes(csv: string, startTime = 0): number[] {
  const times = new Set<number>();
  for (const line of csv.split('\n')) {
    const [pts, flags] = line.trim().split(',');
    if (!flags?.startsWith('K') || pts === 'N/A') continue;
    const time = Number(pts) - startTime;
    if (Number.isFinite(time) && time >= 0) times.add(micros(time));
  }
  return [...times].sort((a, b) => a - b);
}
