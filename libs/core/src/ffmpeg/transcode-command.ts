import { isAbsolute } from 'node:path';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { type MediaProbe, MediaProbeSchema } from '@mpr/contracts/asset_pb';
import { type PresetSettings, PresetSettingsSchema } from '@mpr/contracts/preset_pb';
import { ValidationError } from '../errors/domain.errors';
import { outputContainer, turnFilter } from '../media/display-rotation';
import { inputClockStart, seeksOnInput } from '../media/seek-policy';
import { audioTimedBySamples, cutsEnd, keptStreams, micros, sourceRange, type TrimRange } from '../media/source-range';
import { audioEncoderArgs, isAudioEncoder } from './audio-codec.config';
import type { Container } from './codec-support.config';
import { type ContainerFormat, containerFormat, isContainer } from './container.config';
import { confinedInput, type FfmpegCommand, type FfmpegInput, fileOutput, GLOBAL_OPTIONS } from './ffmpeg-command';
import { ffmpegNumber } from './ffmpeg-number';
import { isVideoEncoder, scaleFilter, videoEncoderArgs, videoTagArgs } from './video-codec.config';

export interface TranscodeRequest {
  /** Absolute path of the source. */
  readonly input: string;
  /** Absolute path to write, usually a temporary name (`.clip.mp4.part`) renamed when complete. */
  readonly output: string;
  readonly preset: MessageInitShape<typeof PresetSettingsSchema>;
  /** The source's probe: which streams it has, its size and duration. */
  readonly source: MessageInitShape<typeof MediaProbeSchema>;
  readonly trim?: TrimRange;
  /**
   * The input lost the source's display matrix (a piece of the chunker's split: Matroska keeps none): its picture
   * is turned by a filter as the probe's rotation says, where ffmpeg's autorotate turns the source itself.
   */
  readonly turn?: boolean;
}

export interface TranscodeFacts {
  /** Seconds the output should last: the trimmed range, or the whole source. Progress is measured against it. */
  readonly expectedDuration: number;
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
}

export interface TranscodeCommand extends FfmpegCommand, TranscodeFacts {
  readonly muxer: string;
}

/**
 * The pieces of a single-pass command, each with its own place in the
 * command: the chunker's segment, audio and stitch commands are made of them.
 */
export interface TranscodeParts extends TranscodeFacts {
  /** The source, confined, with the trim's start as an input seek. */
  readonly input: FfmpegInput;
  /** The source once more, unseeked, for audio timed by its samples under a trimmed video (audioArgs); the audio maps input 1. */
  readonly audioInput?: FfmpegInput;
  /** Output options that cut the range: its start where the input cannot be seeked (seek-policy), its end. */
  readonly trim: readonly string[];
  /** The video stream's map, encoder, filter and rate, or `-vn`; without the container's codec tag. */
  readonly video: readonly string[];
  /** The `-tag:v` the container needs for the video encoder, if any. */
  readonly videoTag: readonly string[];
  /** The audio stream's map and encoder, or `-an`. */
  readonly audio: readonly string[];
  readonly container: ContainerFormat;
}

/**
 * The ffmpeg command that applies a preset to a probed source. Pure: the same
 * request gives the same arguments, so tests compare them exactly.
 */
export function buildTranscodeCommand(request: TranscodeRequest): TranscodeCommand {
  const parts = transcodeParts(request);
  const { container } = parts;
  return {
    global: GLOBAL_OPTIONS,
    inputs: [parts.input, ...(parts.audioInput ? [parts.audioInput] : [])],
    outputs: [fileOutput(request.output, container.muxer, [...parts.trim, ...parts.video, ...parts.videoTag, ...parts.audio, ...container.options])],
    expectedDuration: parts.expectedDuration,
    hasVideo: parts.hasVideo,
    hasAudio: parts.hasAudio,
    muxer: container.muxer,
  };
}

/** The parts of buildTranscodeCommand's command, for the commands composed from them. Pure. */
export function transcodeParts(request: TranscodeRequest): TranscodeParts {
  for (const path of [request.input, request.output]) {
    if (!isAbsolute(path)) throw new Error(`ffmpeg paths must be absolute: ${JSON.stringify(path)}`);
  }
  const preset = create(PresetSettingsSchema, request.preset);
  const source = create(MediaProbeSchema, request.source);
  // A stream copy of a rotated video keeps its display matrix only in the ISO-BMFF family (outputContainer).
  const container = requireContainer(outputContainer(preset, source));
  const trim = request.trim ?? {};
  const range = sourceRange(trim, source.duration);
  // The argv says the user's times as given (ffmpegNumber rounds them); the range is rounded to microseconds.
  const start = trim.start ?? 0;
  const { hasVideo, hasAudio } = keptStreams(preset, source);
  // Audio timed by its samples is trimmed after it is re-timed (audioArgs), never by the input seek, which
  // counts on the demuxer's timestamps: from the source unseeked, beside a video that still seeks.
  const samplesTrim = start > 0 && hasAudio && preset.audioCodec !== 'copy' && audioTimedBySamples(source.container) ? start : undefined;
  const seeks = start > 0 && !(samplesTrim !== undefined && !hasVideo);
  // A container without a keyframe index is decoded from its start and cut after decoding (seek-policy); a
  // stream copy keeps the input seek: it decodes nothing to cut, and drops packets up to a keyframe either way.
  const onInput = seeksOnInput(source.container) || preset.videoCodec === 'copy' || preset.audioCodec === 'copy';
  const inputSeek = seeks && onInput ? start : 0;
  // Where the input's clock starts on the source's timeline: at the input seek (ffmpeg 5.1, whatever the
  // container), else for MPEG-TS/PS where the streams it maps begin (inputClockStart); the output-side -ss and
  // -t count on that clock.
  const clock = inputSeek > 0 ? inputSeek : inputClockStart(source, { hasVideo, hasAudio });
  const outputSeek = seeks && !onInput && start > clock ? ['-ss', ffmpegNumber(micros(start - clock))] : [];
  const audioInput = samplesTrim !== undefined && hasVideo ? confinedInput(request.input) : undefined;

  return {
    // Before -i, -ss seeks the input: fast, and frame-accurate when
    // re-encoding (ffmpeg >= 2.1 decodes from the keyframe before and drops
    // frames up to the start). With stream copy the output begins at the
    // keyframe at or before the start, so it can be a little longer.
    input: confinedInput(request.input, [...(inputSeek > 0 ? ['-ss', ffmpegNumber(start)] : []), ...copyInputArgs(preset, hasVideo, hasAudio)]),
    audioInput,
    // After -i, -t limits the output, counted from the range's start (or the clock's, if later). A range to
    // the source's end is read to the end, as the whole source is (cutsEnd).
    trim: [...outputSeek, ...(trim.end !== undefined && cutsEnd(range, source.duration) ? ['-t', ffmpegNumber(trim.end - Math.max(start, clock))] : [])],
    // Explicit maps: one video and one audio stream, never subtitles, data or attachments.
    video: hasVideo ? ['-map', '0:V:0', ...videoArgs(preset, source, request.turn === true)] : ['-vn'],
    videoTag: hasVideo && isVideoEncoder(preset.videoCodec) ? videoTagArgs(preset.videoCodec, container) : [],
    audio: hasAudio ? ['-map', audioInput ? '1:a:0' : '0:a:0', ...audioArgs(preset, source, samplesTrim)] : ['-an'],
    container: containerFormat(container),
    expectedDuration: micros(range.end - range.start),
    hasVideo,
    hasAudio,
  };
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
function videoArgs(preset: PresetSettings, source: MediaProbe, turn: boolean): string[] {
  if (preset.videoCodec === 'copy') return ['-c:v', 'copy'];
  if (!isVideoEncoder(preset.videoCodec)) {
    throw new ValidationError(`video codec ${JSON.stringify(preset.videoCodec)} is not supported`, 'videoCodec');
  }
  const filter = [turn ? turnFilter(source.rotation) : undefined, scaleFilter(preset, source)].filter(Boolean).join(',');
  return [
    ...videoEncoderArgs(preset, preset.videoCodec),
    ...(filter ? ['-vf', filter] : []),
    // Without a preset rate, the source's frames as they are. ffmpeg's default for MP4 is a constant rate:
    // it repeated the first frame of a video starting after its audio (a piped Matroska: 91 frames for 90)
    // and filled a variable-rate source's gaps (75 frames for 47), where a chunked job, encoding through
    // Matroska, kept the source's frames ([M5] matrix). And their times as they are: the encoder's default
    // time base is one tick of the stream's nominal rate, which rounded a variable-rate WebM's frames onto
    // that grid — its first frame after a trim's start to 0, so that -t, counting from it, kept a frame
    // past the range's end (19 frames where the range holds 18; vfr-opus.webm). -1: the source's time base.
    ...(preset.framerate !== undefined ? ['-r', ffmpegNumber(preset.framerate)] : ['-fps_mode', 'vfr', '-enc_time_base:v', '-1']),
  ];
}

/**
 * The audio encoder; for audio timed by its samples (audioTimedBySamples),
 * first a filter that re-times it from them — each frame at the count of
 * samples before it, from where the stream starts — and, with `trimStart`,
 * cuts the range's start on that clock (the input is then not seeked).
 */
function audioArgs(preset: PresetSettings, source: MediaProbe, trimStart: number | undefined): string[] {
  if (preset.audioCodec === 'copy') return ['-c:a', 'copy'];
  if (!isAudioEncoder(preset.audioCodec)) {
    throw new ValidationError(`audio codec ${JSON.stringify(preset.audioCodec)} is not supported`, 'audioCodec');
  }
  const encoder = audioEncoderArgs(preset, preset.audioCodec, source.audioSampleRate);
  if (!audioTimedBySamples(source.container)) return encoder;
  const offset = source.audioStart ?? 0;
  const clock = offset > 0 ? `asetpts=N/SR/TB+${ffmpegNumber(offset)}/TB` : 'asetpts=N/SR/TB';
  const cut = trimStart !== undefined ? [`atrim=start=${ffmpegNumber(trimStart)}`, 'asetpts=PTS-STARTPTS'] : [];
  return ['-af', [clock, ...cut].join(','), ...encoder];
}
