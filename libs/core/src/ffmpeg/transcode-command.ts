import { isAbsolute } from 'node:path';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { type MediaProbe, MediaProbeSchema } from '@mpr/contracts/asset_pb';
import { type PresetSettings, PresetSettingsSchema } from '@mpr/contracts/preset_pb';
import { ValidationError } from '../errors/domain.errors';
import type { Container, PresetSettingsInit } from '../domain/preset.decider';
import { safeInputArgs } from '../media/media-types';
import { keptStreams, micros, sourceRange, type TrimRange } from '../media/source-range';
import { audioEncoderArgs, isAudioEncoder } from './audio-codec.config';
import { containerFormat, isContainer } from './container.config';
import { ffmpegNumber } from './ffmpeg-number';
import { isVideoEncoder, scaleFilter, videoEncoderArgs } from './video-codec.config';

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
  const trim = request.trim ?? {};
  const range = sourceRange(trim, source.duration);
  // The argv says the user's times as given (ffmpegNumber rounds them); the range is rounded to microseconds.
  const start = trim.start ?? 0;
  const { hasVideo, hasAudio } = keptStreams(preset, source);

  const { muxer, options: muxerOptions } = containerFormat(container);
  const args = [
    '-hide_banner',
    '-nostdin',
    '-y',
    // Before -i, -ss seeks the input: fast, and frame-accurate when
    // re-encoding (ffmpeg >= 2.1 decodes from the keyframe before and drops
    // frames up to the start). With stream copy the output begins at the
    // keyframe at or before the start, so it can be a little longer.
    ...(start > 0 ? ['-ss', ffmpegNumber(start)] : []),
    ...safeInputArgs(),
    '-i',
    `file:${request.input}`,
    // After -i, -t limits the output; the input seek made its clock start at 0.
    ...(trim.end !== undefined ? ['-t', ffmpegNumber(trim.end - start)] : []),
    // Explicit maps: one video and one audio stream, never subtitles, data or attachments.
    ...(hasVideo ? ['-map', '0:V:0', ...videoArgs(preset, source, container)] : ['-vn']),
    ...(hasAudio ? ['-map', '0:a:0', ...audioArgs(preset, source)] : ['-an']),
    ...muxerOptions,
    '-f',
    muxer,
    `file:${request.output}`,
  ];
  return { args, expectedDuration: micros(range.end - range.start), hasVideo, hasAudio, muxer };
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
    ...(preset.framerate !== undefined ? ['-r', ffmpegNumber(preset.framerate)] : []),
  ];
}

function audioArgs(preset: PresetSettings, source: MediaProbe): string[] {
  if (preset.audioCodec === 'copy') return ['-c:a', 'copy'];
  if (!isAudioEncoder(preset.audioCodec)) {
    throw new ValidationError(`audio codec ${JSON.stringify(preset.audioCodec)} is not supported`, 'audioCodec');
  }
  return audioEncoderArgs(preset, preset.audioCodec, source.audioSampleRate);
}
