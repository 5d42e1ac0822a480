import type { MediaProbe } from '@mpr/contracts/asset_pb';
import type { PresetSettings } from '@mpr/contracts/preset_pb';
import type { Container, VideoEncoder } from './codec-support.config';

/** What sets one video encoder apart; everything else is common to all of them. */
interface VideoEncoderConfig {
  /** The option that takes the preset's videoPreset (its values per encoder: VIDEO_PRESETS). */
  readonly speedOption: '-preset' | '-cpu-used';
  /** Options this encoder always gets. */
  readonly extraOptions: readonly string[];
  /** The codec tag this encoder's stream needs in this container, if any. */
  tag?(container: Container): string | undefined;
}

/** One entry per encoder the preset validation accepts (the Record type makes a missing one a compile error). */
const VIDEO_ENCODER_CONFIGS: Record<VideoEncoder, VideoEncoderConfig> = {
  libx264: { speedOption: '-preset', extraOptions: [] },
  libx265: {
    speedOption: '-preset',
    // x265 writes its banner and statistics straight to stderr, past ffmpeg's -v,
    // burying the reason of a failure; only its errors stay.
    extraOptions: ['-x265-params', 'log-level=error'],
    // ffmpeg tags HEVC in MP4/MOV as hev1, which Apple's players refuse; they play hvc1.
    tag: (container) => (container === 'mp4' || container === 'mov' ? 'hvc1' : undefined),
  },
  // 'good' is libvpx's mode for files ('realtime' is for live streams). libvpx
  // leaves row-mt off, and without it a VP9 encode barely uses two cores.
  // (With -crf and no -b:v, ffmpeg 5.1 already picks constant quality; the
  // built-in preset's -b:v 0 says so explicitly.)
  'libvpx-vp9': { speedOption: '-cpu-used', extraOptions: ['-deadline', 'good', '-row-mt', '1'] },
  // libaom 3 enables row-mt by itself.
  'libaom-av1': { speedOption: '-cpu-used', extraOptions: [] },
  // SVT-AV1 also logs straight to stderr, but only the SVT_LOG environment
  // variable quiets it (SVT_LOG=1: errors only); the error summary skips its lines.
  // In ffmpeg 5.1 `-crf 0` means "unset" for libsvtav1, not lossless.
  libsvtav1: { speedOption: '-preset', extraOptions: [] },
};

export function isVideoEncoder(codec: string): codec is VideoEncoder {
  return Object.hasOwn(VIDEO_ENCODER_CONFIGS, codec);
}

/**
 * `-c:v` and everything the encoder needs: rate control, speed, pixel
 * format. The container's codec tag is apart (videoTagArgs): a chunked job's
 * Matroska segments refuse it, its stitch sets it.
 */
export function videoEncoderArgs(settings: PresetSettings, encoder: VideoEncoder): string[] {
  const config = VIDEO_ENCODER_CONFIGS[encoder];
  return [
    '-c:v',
    encoder,
    ...(settings.videoCrf !== undefined ? ['-crf', String(settings.videoCrf)] : []),
    ...(settings.videoBitrate !== '' ? ['-b:v', settings.videoBitrate] : []),
    ...(settings.videoPreset !== '' ? [config.speedOption, settings.videoPreset] : []),
    ...config.extraOptions,
    // 4:2:0 is what every player decodes; a 4:4:4 or 10-bit source would otherwise stay so.
    '-pix_fmt',
    'yuv420p',
  ];
}

/** The `-tag:v` the encoder's stream needs in `container`, or nothing. */
export function videoTagArgs(encoder: VideoEncoder, container: Container): string[] {
  const tag = VIDEO_ENCODER_CONFIGS[encoder].tag?.(container);
  return tag ? ['-tag:v', tag] : [];
}

/**
 * The `scale` filter for the preset's size, or undefined if the picture can
 * stay as it is. The preset's width/height is a box the picture is fit into
 * keeping its aspect ratio, never enlarged; a missing side is unbounded.
 * `force_divisible_by=2` rounds *down* to the even sizes yuv420p needs
 * (`scale=-2:…` would round 161 up to 162, and leaves an odd height odd).
 * The expressions use the decoded frame's size (iw/ih), so they also hold for
 * rotated phone videos, whose probed size is before rotation.
 */
export function scaleFilter(settings: Pick<PresetSettings, 'width' | 'height'>, source: Pick<MediaProbe, 'width' | 'height'>): string | undefined {
  const { width, height } = settings;
  if (width !== undefined || height !== undefined) {
    const w = width === undefined ? 'iw' : `'min(${width},iw)'`;
    const h = height === undefined ? 'ih' : `'min(${height},ih)'`;
    return `scale=w=${w}:h=${h}:force_original_aspect_ratio=decrease:force_divisible_by=2`;
  }
  if (source.width % 2 !== 0 || source.height % 2 !== 0) return 'scale=trunc(iw/2)*2:trunc(ih/2)*2';
  return undefined;
}
