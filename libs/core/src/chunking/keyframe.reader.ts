import { safeInputArgs } from '../media/media-types';
import { packetEnd } from '../media/probe.mapper';
import { ffmpegNumber } from '../ffmpeg/ffmpeg-number';
import { micros } from './chunk.planner';

/**
 * ffprobe's argv listing the video packets' timestamps and flags, then the
 * input's start time: it reads packets without decoding them (about as fast
 * as a stream copy), but reads them all — the whole file. With `around` (an
 * indexed source: MP4/MOV), only a window after each of those times: the
 * demuxer seeks to the keyframe at or before the time by the index and reads
 * AROUND_WINDOW seconds from there, so the probe costs the same for a minute
 * as for a 50 GB film. The output can be several MB for a long film: give
 * execFile a maxBuffer to match.
 */
export function buildKeyframeProbeArgs(input: string, around?: readonly number[]): string[] {
  return [
    '-v',
    'error',
    ...safeInputArgs(),
    '-select_streams',
    'V:0',
    ...(around && around.length > 0 ? ['-read_intervals', around.map((t) => `${ffmpegNumber(Math.max(0, t))}%+${AROUND_WINDOW}`).join(',')] : []),
    '-show_entries',
    'packet=pts_time,duration_time,flags:format=start_time',
    '-print_format',
    'csv=p=1',
    '-i',
    `file:${input}`,
  ];
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
  /**
   * Where the last video packet read ends (its time plus its duration), on
   * the same timeline as `keyframes`. Of a whole-file probe: where the video
   * ends.
   */
  readonly lastPacketEnd?: number;
}

/**
 * The source duration a chunked job is planned with, from a whole-file
 * probe: the container's own, unless the video ends earlier. ffmpeg writes a
 * Matroska whose clock starts late (-output_ts_offset 1.4) with its last
 * timestamp as its duration (7.4 s for 6 s of content); planned with that, a
 * whole-range job would get an empty last segment and fail verification,
 * where a single pass simply encodes what is there. Only a video ending more
 * than a frame early counts (the audio often runs a few ms past the video;
 * verification allows a frame). Never longer than the declared duration. Pure.
 */
export function contentDuration(declared: number, wholeFile: KeyframeProbe, fps: number): number {
  const end = wholeFile.lastPacketEnd;
  return end !== undefined && end > 0 && declared - end > 1 / fps ? end : declared;
}

/**
 * Reads buildKeyframeProbeArgs' output (`packet,0.000000,0.033333,K_` lines:
 * time, duration, flags; then `format,0.000000`). The packets' times are less the input's start time:
 * an MPEG-TS whose clock starts at 1.4 s has its first keyframe at ~0, as
 * ffmpeg counts when it cuts, seeks or splits it.
 */
export function readKeyframeProbe(csv: string): KeyframeProbe {
  const packetTimes: number[] = [];
  let formatStart: number | undefined;
  let lastEnd: number | undefined;
  for (const line of csv.split('\n')) {
    const [section, ...fields] = line.trim().split(',');
    if (section === 'format') {
      const start = Number(fields[0]);
      formatStart = fields[0] !== 'N/A' && Number.isFinite(start) ? micros(start) : undefined;
      continue;
    }
    if (section !== 'packet') continue;
    const [pts, duration, flags] = fields;
    const end = packetEnd(pts, duration);
    if (end === undefined) continue;
    if (lastEnd === undefined || end > lastEnd) lastEnd = end;
    if (flags?.startsWith('K')) packetTimes.push(Number(pts));
  }
  const from = formatStart ?? 0;
  const times = new Set(packetTimes.map((t) => micros(t - from)).filter((t) => t >= 0));
  return { keyframes: [...times].sort((a, b) => a - b), formatStart, ...(lastEnd !== undefined ? { lastPacketEnd: micros(lastEnd - from) } : {}) };
}
