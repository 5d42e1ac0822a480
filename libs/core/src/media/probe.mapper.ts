import { safeInputArgs } from './media-types';
import type { MediaProbe } from '@mpr/contracts/asset_pb';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { MediaProbeSchema } from '@mpr/contracts/asset_pb';

export type ProbeResult = MessageInitShape<typeof MediaProbeSchema> & Partial<Pick<MediaProbe, 'duration'>>;

/** The parts of `ffprobe -print_format json -show_format -show_streams` we read. */
export interface FfprobeOutput {
  format?: { format_name?: string; duration?: string; bit_rate?: string; start_time?: string };
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    duration?: string;
    channels?: number;
    sample_rate?: string;
    disposition?: { attached_pic?: number };
  }>;
}

/** "30000/1001" → 29.97; "0/0" → 0. */
export function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [num, den] = rate.split('/').map(Number);
  if (!den) return Number.isFinite(num) ? num : 0;
  return Math.round((num / den) * 1000) / 1000;
}

/**
 * ffprobe's report → MediaProbe. Cover art (an attached picture) is not a
 * video stream; a file with neither audio nor video is not media.
 */
export function mapProbe(output: FfprobeOutput): ProbeResult {
  const streams = output.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video && !audio) throw new Error('no audio or video stream found');
  const duration = Number(output.format?.duration ?? video?.duration ?? audio?.duration ?? 0);
  return {
    duration: Number.isFinite(duration) ? duration : 0,
    container: output.format?.format_name ?? '',
    videoCodec: video?.codec_name ?? '',
    audioCodec: audio?.codec_name ?? '',
    width: video?.width ?? 0,
    height: video?.height ?? 0,
    framerate: video ? parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate) : 0,
    bitrate: Number(output.format?.bit_rate ?? 0) || 0,
    audioChannels: audio?.channels ?? 0,
    audioSampleRate: Number(audio?.sample_rate ?? 0) || 0,
  };
}

/**
 * The input's start time when its clock starts late (> 0), else undefined:
 * then what the container declares as its duration may be its last
 * timestamp instead (ffmpeg writes a Matroska with -output_ts_offset 1.4 and
 * 6 s of content as 7.4 s), and only its packets tell (contentLength).
 */
export function lateStart(output: FfprobeOutput): number | undefined {
  const start = Number(output.format?.start_time);
  return Number.isFinite(start) && start > 0 ? start : undefined;
}

/**
 * argv of a probe listing the packets' times and durations from `from`
 * seconds (on the input's clock) to the end: the demuxer seeks there by its
 * index, so the tail of a large file costs what a small one does.
 */
export function buildPacketTailArgs(input: string, from: number): string[] {
  return ['-v', 'error', ...safeInputArgs(), '-read_intervals', `${Math.max(0, Math.floor(from * 1000) / 1000)}%`, '-show_entries', 'packet=pts_time,duration_time', '-print_format', 'csv=p=0', '-i', `file:${input}`];
}

/**
 * The media's length from buildPacketTailArgs' output (`pts,duration`
 * lines): where its last packet ends, less its start time, when that is
 * shorter than the declared duration; else the declared duration. Pure.
 */
export function contentLength(declared: number, start: number, csv: string): number {
  let end: number | undefined;
  for (const line of csv.split('\n')) {
    const [pts, duration] = line.trim().split(',');
    const packet = packetEnd(pts, duration);
    if (packet !== undefined && (end === undefined || packet > end)) end = packet;
  }
  if (end === undefined) return declared;
  const content = Math.round((end - start) * 1e6) / 1e6;
  return content > 0 && content < declared ? content : declared;
}

/** Where a packet ends, from ffprobe's `pts_time` and `duration_time` fields (a duration of N/A counts as 0); undefined without a time. */
function packetEnd(pts: string | undefined, duration: string | undefined): number | undefined {
  const time = Number(pts);
  if (!pts || pts === 'N/A' || !Number.isFinite(time)) return undefined;
  const length = Number(duration);
  return time + (duration && duration !== 'N/A' && Number.isFinite(length) ? length : 0);
}
