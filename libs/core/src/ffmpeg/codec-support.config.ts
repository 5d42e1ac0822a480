/*
 * What a preset may ask of ffmpeg; the preset decider validates against
 * these tables. Every value below ends up as an ffmpeg argument: only listed
 * values pass, so a preset can never smuggle an option into the command line.
 * Which encoder each container accepts was checked against Debian 12's
 * ffmpeg 5.1; 'copy' depends on the source and is left to ffmpeg.
 */
export const VIDEO_CODECS = ['', 'copy', 'libx264', 'libx265', 'libvpx-vp9', 'libaom-av1', 'libsvtav1'] as const;
export const AUDIO_CODECS = ['', 'copy', 'aac', 'libmp3lame', 'libopus', 'libvorbis', 'flac', 'pcm_s16le'] as const;
export type VideoCodec = (typeof VIDEO_CODECS)[number];
export type AudioCodec = (typeof AUDIO_CODECS)[number];
export type VideoEncoder = Exclude<VideoCodec, '' | 'copy'>;

const ALL_VIDEO_ENCODERS: readonly VideoEncoder[] = ['libx264', 'libx265', 'libvpx-vp9', 'libaom-av1', 'libsvtav1'];

/** Encoders each container takes; an audio container (no video encoders) takes no video stream at all. */
export const CONTAINERS = {
  mp4: { video: ALL_VIDEO_ENCODERS, audio: ['aac', 'libmp3lame', 'libopus', 'libvorbis'] },
  mkv: { video: ALL_VIDEO_ENCODERS, audio: ['aac', 'libmp3lame', 'libopus', 'libvorbis', 'flac', 'pcm_s16le'] },
  webm: { video: ['libvpx-vp9', 'libaom-av1', 'libsvtav1'], audio: ['libopus', 'libvorbis'] },
  mov: { video: ['libx264', 'libx265'], audio: ['aac', 'libmp3lame', 'libvorbis', 'pcm_s16le'] },
  mp3: { video: [], audio: ['libmp3lame'] },
  m4a: { video: [], audio: ['aac'] },
  ogg: { video: [], audio: ['libopus', 'libvorbis', 'flac'] },
  flac: { video: [], audio: ['flac'] },
  wav: { video: [], audio: ['pcm_s16le'] },
  aac: { video: [], audio: ['aac'] },
} as const satisfies Record<string, { video: readonly VideoEncoder[]; audio: readonly AudioCodec[] }>;
export type Container = keyof typeof CONTAINERS;
export const CONTAINER_NAMES = Object.keys(CONTAINERS) as Container[];

const numbered = (max: number) => Array.from({ length: max + 1 }, (_, i) => String(i));
const X26X_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'];

/**
 * Speed presets each video encoder takes: x264/x265's named presets
 * (-preset), SVT-AV1's 0..13 (-preset), libaom's and libvpx's 0..8 (-cpu-used).
 * '' leaves the encoder's default.
 */
export const VIDEO_PRESETS: Record<VideoEncoder, readonly string[]> = {
  libx264: X26X_PRESETS,
  libx265: X26X_PRESETS,
  libsvtav1: numbered(13),
  'libaom-av1': numbered(8),
  'libvpx-vp9': numbered(8),
};

export const AUDIO_SAMPLE_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000] as const;

/** '' (encoder default), '0' (constant quality, e.g. VP9 with a CRF), or a number with an optional k/M suffix. */
export const BITRATE_PATTERN = /^(?:|0|[1-9]\d{0,8}(?:\.\d{1,3})?[kM]?)$/;

/** The highest `-crf` each video encoder takes (0 is the lowest for all). */
export const MAX_CRF: Record<VideoEncoder, number> = {
  libx264: 51,
  libx265: 51,
  'libvpx-vp9': 63,
  'libaom-av1': 63,
  libsvtav1: 63,
};
