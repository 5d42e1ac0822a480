import type { MediaProbe } from '@mpr/contracts/asset_pb';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { MediaProbeSchema } from '@mpr/contracts/asset_pb';

export type ProbeResult = MessageInitShape<typeof MediaProbeSchema> & Partial<Pick<MediaProbe, 'duration'>>;

/** The parts of `ffprobe -print_format json -show_format -show_streams` we read. */
export interface FfprobeOutput {
  format?: { format_name?: string; duration?: string; bit_rate?: string };
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
