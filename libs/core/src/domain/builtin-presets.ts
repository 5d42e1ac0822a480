import type { PresetSettingsInit } from './preset.decider';

export interface BuiltinPreset {
  /** Stable across releases: jobs and users refer to it. */
  readonly presetId: string;
  readonly settings: PresetSettingsInit;
}

/**
 * The presets MPR ships, created read-only at startup. Encoders are those of
 * Debian 12's ffmpeg 5.1 (which has libsvtav1, faster than libaom-av1).
 * Video presets set only the height: the width follows the aspect ratio.
 */
export const BUILTIN_PRESETS: readonly BuiltinPreset[] = [
  {
    presetId: 'builtin-h264-720p',
    settings: {
      name: 'H.264 720p',
      description: 'MP4, H.264 (CRF 23) at 720 lines, AAC 128 kb/s: plays everywhere.',
      container: 'mp4',
      videoCodec: 'libx264',
      videoCrf: 23,
      videoPreset: 'veryfast',
      height: 720,
      audioCodec: 'aac',
      audioBitrate: '128k',
    },
  },
  {
    presetId: 'builtin-h264-1080p',
    settings: {
      name: 'H.264 1080p',
      description: 'MP4, H.264 (CRF 23) at 1080 lines, AAC 192 kb/s.',
      container: 'mp4',
      videoCodec: 'libx264',
      videoCrf: 23,
      videoPreset: 'veryfast',
      height: 1080,
      audioCodec: 'aac',
      audioBitrate: '192k',
    },
  },
  {
    presetId: 'builtin-h265-1080p',
    settings: {
      name: 'H.265 1080p',
      description: 'MP4, H.265/HEVC (CRF 28) at 1080 lines, AAC 192 kb/s: about half the size of H.264.',
      container: 'mp4',
      videoCodec: 'libx265',
      videoCrf: 28,
      videoPreset: 'fast',
      height: 1080,
      audioCodec: 'aac',
      audioBitrate: '192k',
    },
  },
  {
    presetId: 'builtin-vp9-720p',
    settings: {
      name: 'VP9 WebM 720p',
      description: 'WebM, VP9 constant quality (CRF 32) at 720 lines, Opus 128 kb/s.',
      container: 'webm',
      videoCodec: 'libvpx-vp9',
      videoCrf: 32,
      // VP9 is constant-quality only with a zero target bitrate (-b:v 0).
      videoBitrate: '0',
      videoPreset: '4',
      height: 720,
      audioCodec: 'libopus',
      audioBitrate: '128k',
    },
  },
  {
    presetId: 'builtin-av1-720p',
    settings: {
      name: 'AV1 720p',
      description: 'MP4, AV1 via SVT-AV1 (CRF 35, preset 8) at 720 lines, AAC 128 kb/s.',
      container: 'mp4',
      videoCodec: 'libsvtav1',
      videoCrf: 35,
      videoPreset: '8',
      height: 720,
      audioCodec: 'aac',
      audioBitrate: '128k',
    },
  },
  {
    presetId: 'builtin-remux',
    settings: {
      name: 'Remux (stream copy)',
      description: 'Copies the streams without re-encoding into Matroska, which holds any codec; a rotated phone clip into MOV, which keeps its rotation.',
      container: 'mkv',
      videoCodec: 'copy',
      audioCodec: 'copy',
    },
  },
  {
    presetId: 'builtin-mp3-192k',
    settings: {
      name: 'MP3 192k',
      description: 'Audio only: MP3 at 192 kb/s.',
      container: 'mp3',
      audioCodec: 'libmp3lame',
      audioBitrate: '192k',
    },
  },
  {
    presetId: 'builtin-aac-192k',
    settings: {
      name: 'AAC 192k',
      description: 'Audio only: AAC at 192 kb/s in M4A.',
      container: 'm4a',
      audioCodec: 'aac',
      audioBitrate: '192k',
    },
  },
  {
    presetId: 'builtin-opus-128k',
    settings: {
      name: 'Opus 128k',
      description: 'Audio only: Opus at 128 kb/s in Ogg.',
      container: 'ogg',
      audioCodec: 'libopus',
      audioBitrate: '128k',
    },
  },
  {
    presetId: 'builtin-flac',
    settings: {
      name: 'FLAC',
      description: 'Audio only: lossless FLAC.',
      container: 'flac',
      audioCodec: 'flac',
    },
  },
];
