import { isAbsolute } from 'node:path';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { type MediaProbe, MediaProbeSchema } from '@mpr/contracts/asset_pb';
import { type PresetSettings, PresetSettingsSchema } from '@mpr/contracts/preset_pb';
import { ValidationError } from '../domain/domain.errors';
import type { Container, PresetSettingsInit } from '../domain/preset.decider';
import { safeInputArgs } from '../media/media-types';
import { audioEncoderArgs, isAudioEncoder } from './audio-codec.config';
import { containerFormat, isContainer } from './container.config';
import { ffmpegNumber } from './ffmpeg-number';
import { UnsupportedCombination } from './transcode.errors';
import { isVideoEncoder, scaleFilter, videoEncoderArgs } from './video-codec.config';

/** A time range of the source, in seconds; a missing side is the start or the end of the source. */
export interface TrimRange {
  readonly start?: number;
  readonly end?: number;
}

export interface TranscodeRequest {
  /** Absolute path of the source. */
  readonly input: string;
  /** Absolute path to write, usually a temporary name (`.clip.mp4.part`) renamed when complete. */
  readonly output: string;
  readonly preset: PresetSettingsInit;
  /** The source's probe: which streams it has, its size and duration. */
  readonly source: MessageInitShape<typeof MediaProbeSchema>;
  readonly trim?: TrimRange;
}

export interface TranscodeCommand {
  /** ffmpeg's argv after the binary name. */
  readonly args: string[];
  /** Seconds the output should last: the trimmed range, or the whole source. Progress is measured against it. */
  readonly expectedDuration: number;
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
  readonly muxer: string;
}

/**
 * The ffmpeg command that applies a preset to a probed source. Pure: the same
 * request gives the same arguments, so tests compare them exactly.
 */
export function buildTranscodeCommand(request: TranscodeRequest): TranscodeCommand {
  for (const path of [request.input, request.output]) {
    if (!isAbsolute(path)) throw new Error(`ffmpeg paths must be absolute: ${JSON.stringify(path)}`);
  }
  const preset = create(PresetSettingsSchema, request.preset);
  const source = create(MediaProbeSchema, request.source);
  const container = requireContainer(preset.container);
  const range = resolveTrim(request.trim ?? {}, source.duration);

  const hasVideo = source.videoCodec !== '' && preset.videoCodec !== '';
  const hasAudio = source.audioCodec !== '' && preset.audioCodec !== '';
  if (!hasVideo && !hasAudio) throw new UnsupportedCombination(nothingToEncode(preset, source));

  const { muxer, options: muxerOptions } = containerFormat(container);
  const args = [
    '-hide_banner',
    '-nostdin',
    '-y',
    // Before -i, -ss seeks the input: fast, and frame-accurate when
    // re-encoding (ffmpeg >= 2.1 decodes from the keyframe before and drops
    // frames up to the start). With stream copy the output begins at the
    // keyframe at or before the start, so it can be a little longer.
    ...(range.start > 0 ? ['-ss', ffmpegNumber(range.start)] : []),
    ...copyInputArgs(preset, hasVideo, hasAudio),
    ...safeInputArgs(),
    '-i',
    `file:${request.input}`,
    // After -i, -t limits the output; the input seek made its clock start at 0.
    ...(range.end !== undefined ? ['-t', ffmpegNumber(range.end - range.start)] : []),
    // Explicit maps: one video and one audio stream, never subtitles, data or attachments.
    ...(hasVideo ? ['-map', '0:V:0', ...videoArgs(preset, source, container)] : ['-vn']),
    ...(hasAudio ? ['-map', '0:a:0', ...audioArgs(preset, source)] : ['-an']),
    ...muxerOptions,
    '-f',
    muxer,
    `file:${request.output}`,
  ];
  return { args, expectedDuration: range.expectedDuration, hasVideo, hasAudio, muxer };
}

/**
 * A stream copy passes the demuxer's timestamps through, and AVI gives none
 * to some packets (MPEG-4 Part 2 with B-frames: the demuxer knows only the
 * decode order); the muxer then stops with `Timestamps are unset in a packet
 * for stream 0` ([M5] matrix, remux of such an AVI). `+genpts` has the
 * demuxer compute the missing ones; an encode gets its timestamps from the
 * decoder and needs no such help.
 */
function copyInputArgs(preset: PresetSettings, hasVideo: boolean, hasAudio: boolean): string[] {
  const copies = (hasVideo && preset.videoCodec === 'copy') || (hasAudio && preset.audioCodec === 'copy');
  return copies ? ['-fflags', '+genpts'] : [];
}

function requireContainer(name: string): Container {
  if (!isContainer(name)) throw new ValidationError(`container ${JSON.stringify(name)} is not supported`, 'container');
  return name;
}

/**
 * `0:V:0` (capital V) is the first video stream that is not cover art, the
 * same stream the probe reports as the source's video.
 */
function videoArgs(preset: PresetSettings, source: MediaProbe, container: Container): string[] {
  if (preset.videoCodec === 'copy') return ['-c:v', 'copy'];
  if (!isVideoEncoder(preset.videoCodec)) {
    throw new ValidationError(`video codec ${JSON.stringify(preset.videoCodec)} is not supported`, 'videoCodec');
  }
  const filter = scaleFilter(preset, source);
  return [
    ...videoEncoderArgs(preset, preset.videoCodec, container),
    ...(filter ? ['-vf', filter] : []),
    // Without a preset rate, the source's frames as they are. ffmpeg's default for MP4 is a constant rate:
    // it repeated the first frame of a video starting after its audio (a piped Matroska: 91 frames for 90)
    // and filled a variable-rate source's gaps (75 frames for 47), where a chunked job, encoding through
    // Matroska, kept the source's frames ([M5] matrix).
    ...(preset.framerate !== undefined ? ['-r', ffmpegNumber(preset.framerate)] : ['-fps_mode', 'vfr']),
  ];
}

function audioArgs(preset: PresetSettings, source: MediaProbe): string[] {
  if (preset.audioCodec === 'copy') return ['-c:a', 'copy'];
  if (!isAudioEncoder(preset.audioCodec)) {
    throw new ValidationError(`audio codec ${JSON.stringify(preset.audioCodec)} is not supported`, 'audioCodec');
  }
  return audioEncoderArgs(preset, preset.audioCodec, source.audioSampleRate);
}

function nothingToEncode(preset: PresetSettings, source: MediaProbe): string {
  const has = source.videoCodec !== '' ? 'video only' : source.audioCodec !== '' ? 'audio only' : 'neither video nor audio';
  const wants = preset.videoCodec === '' ? 'audio' : preset.audioCodec === '' ? 'video' : 'video or audio';
  return `preset "${preset.name}" makes ${wants}, but the source has ${has}: the output would be empty`;
}

interface ResolvedTrim {
  readonly start: number;
  readonly end: number | undefined;
  readonly expectedDuration: number;
}

function resolveTrim(trim: TrimRange, duration: number): ResolvedTrim {
  const start = trim.start ?? 0;
  const { end } = trim;
  if (!(Number.isFinite(start) && start >= 0)) {
    throw new ValidationError('trimStart must be a number of seconds >= 0', 'trimStart');
  }
  if (start >= duration) {
    throw new ValidationError(`trimStart ${start}s is not before the end of the source (${duration}s)`, 'trimStart');
  }
  if (end !== undefined && !(Number.isFinite(end) && end > start)) {
    throw new ValidationError('trimEnd must be after trimStart', 'trimEnd');
  }
  // Rounded to microseconds (ffmpeg's time base) so 1.3 - 0.2 reads 1.1.
  const expectedDuration = Math.round((Math.min(end ?? duration, duration) - start) * 1e6) / 1e6;
  return { start, end, expectedDuration };
}
