import { basename, dirname, isAbsolute } from 'node:path';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { MediaProbeSchema } from '@mpr/contracts/asset_pb';
import type { PresetSettingsInit } from '../domain/preset.decider';
import type { Container } from '../ffmpeg/codec-support.config';
import { containerFormat, isContainer } from '../ffmpeg/container.config';
import { confinedInput, type FfmpegCommand, fileOutput, GLOBAL_OPTIONS } from '../ffmpeg/ffmpeg-command';
import { ffmpegNumber } from '../ffmpeg/ffmpeg-number';
import { buildTranscodeCommand, type TranscodeCommand, transcodeParts } from '../ffmpeg/transcode-command';
import { UnsupportedCombination } from '../ffmpeg/transcode.errors';
import { isVideoEncoder, videoTagArgs } from '../ffmpeg/video-codec.config';
import { inputClockStart, seeksOnInput } from '../media/seek-policy';
import { micros } from '../media/source-range';
import { type ChunkPlan } from './chunk.planner';

/**
 * Encoded video segments are Matroska: it carries every video codec a preset
 * can make (H.264, HEVC, VP9, AV1; MPEG-TS in ffmpeg 5.1 takes neither VP9
 * nor AV1), and the concat demuxer reads it back with stream copy.
 */
export const SEGMENT_MUXER = 'matroska';
export const SEGMENT_EXTENSION = 'mkv';

/** Where one segment's frames are cut, in seconds from the start of the source. */
export interface SegmentCut {
  readonly start: number;
  readonly end: number;
}

/**
 * The cut times of each segment. The range's own start and end are cut
 * exactly where a single-pass encode cuts them; a seam between two segments
 * is cut half a frame before the boundary frame. A boundary sits on a frame's
 * timestamp, and printed to microseconds (1001/30000 s → 0.033367) it could
 * land just after that frame, which would then belong to neither segment;
 * half a frame away, each frame falls on one side only.
 */
export function segmentCuts(plan: ChunkPlan, fps: number): SegmentCut[] {
  const half = 0.5 / fps;
  const last = plan.segments.length - 1;
  return plan.segments.map((segment, i) => ({
    start: i === 0 ? segment.start : micros(segment.start - half),
    end: i === last ? segment.end : micros(segment.end - half),
  }));
}

/** How the fast path cuts the source into keyframe-aligned pieces, and which piece holds each segment. */
export interface SplitPlan {
  /** `-segment_times` for buildSplitCommand, in seconds from the start of the source. */
  readonly splitTimes: readonly number[];
  /** Per segment (same index): the piece file holding it and the source time at which that piece begins. */
  readonly pieces: ReadonlyArray<{ readonly piece: number; readonly offset: number }>;
}

/**
 * The fast path: split the source by stream copy into pieces that start on
 * keyframes (about 0.1 s for a minute of 1080p), then encode every piece
 * from its start, so no worker decodes frames it throws away.
 *
 * The pieces are cut at each segment boundary (keyframes, as planned with
 * streamCopy), at the keyframe at or before a trimStart and at the first
 * keyframe at or after a trimEnd; the pieces before and after the range are
 * never encoded. The segment muxer cuts at the first keyframe at or after
 * each time, so each time is given half a frame early, out of reach of
 * rounding.
 *
 * A piece's offset is where its clock starts on the source's timeline,
 * which is where ffmpeg's -ss counts from (the piece's start time). Later
 * pieces start at their keyframe (`-reset_timestamps 1`); the first keeps
 * the source's timestamps, so it starts where the source's video does
 * (`videoStart`: in Matroska after the AAC priming, 21 ms). Counted from 0,
 * a trimmed first segment's -ss landed 21 ms late and lost the range's
 * first frame ([M5] matrix, no-cues.mkv: 53 frames where the single pass
 * has 54).
 */
export function planSplit(plan: ChunkPlan, keyframes: readonly number[], fps: number, sourceDuration: number, videoStart = 0): SplitPlan {
  const half = 0.5 / fps;
  const sorted = [...keyframes].sort((a, b) => a - b);
  const first = plan.segments[0];
  const last = plan.segments[plan.segments.length - 1];
  const starts = segmentKeyframes(plan, sorted, fps).slice(1) as number[];
  const before = sorted.filter((k) => k <= first.start + half).at(-1);
  // Not at the source's first keyframe: the first piece starts there anyway, and the segment muxer,
  // which never cuts before a piece's first packet, would take the time for the next keyframe
  // (in Matroska the video often starts after the audio's priming, not at 0).
  if (first.start > 0 && before !== undefined && before > sorted[0]) starts.unshift(before);
  const after = sorted.find((k) => k >= last.end - 1e-6);
  if (last.end < sourceDuration && after !== undefined && after > last.end - half) starts.push(after);

  const pieces = plan.segments.map((segment) => {
    const piece = starts.filter((t) => t <= segment.start + half - 1e-6).length;
    return { piece, offset: piece === 0 ? micros(videoStart) : starts[piece - 1] };
  });
  return { splitTimes: starts.map((t) => micros(Math.max(0, t - half))), pieces };
}

/**
 * The keyframe each segment starts on, as the source has it (undefined for a
 * first segment that starts between keyframes, at a trimStart). planChunks
 * puts boundaries on the frame grid counted from 0; a source whose video
 * starts later (in Matroska, after the audio encoder's priming: 21 ms for
 * AAC at 48 kHz) has its keyframes a fraction of a frame off that grid, and
 * a piece or a seek begins at the keyframe itself. Pure.
 */
export function segmentKeyframes(plan: ChunkPlan, keyframes: readonly number[], fps: number): Array<number | undefined> {
  const half = 0.5 / fps;
  return plan.segments.map((segment) => {
    const k = keyframes.find((t) => Math.abs(t - segment.start) < half);
    return k === undefined && segment.index > 0 ? segment.start : k;
  });
}

/**
 * Where each segment of an MPEG-TS/PS source (no keyframe index, so no
 * split: see the chunker's `decode` inputs) starts decoding, in seconds on
 * the source's timeline: half a frame before the keyframe preceding the one
 * the segment starts on, 0 (no seek) for the first segment or when that is
 * the source's first keyframe.
 * From there an accurate input seek lands at or before that keyframe even
 * where the demuxer's byte-position search is off, the decoder has the GOP
 * before the segment's own — which an open GOP's leading B-frames refer to —
 * and the segment's frames are cut after decoding. A split instead started
 * each piece on its keyframe and lost those B-frames at every seam (DVD
 * MPEG-2 with GOPs of 12: 71 frames of 75). Pure.
 */
export function decodePoints(plan: ChunkPlan, keyframes: readonly number[], fps: number): number[] {
  const half = 0.5 / fps;
  const sorted = [...keyframes].sort((a, b) => a - b);
  return plan.segments.map((segment, i) => {
    const own = i === 0 ? undefined : sorted.filter((k) => k <= segment.start + half).at(-1);
    const before = own === undefined ? undefined : sorted.filter((k) => k < own - half).at(-1);
    // Not before the source's first keyframe: ffmpeg 5.1 starts a seeked input's clock at the time asked for,
    // an unseeked one's at its video (inputClockStart), and a seek before the video would start it earlier.
    return before === undefined || before === sorted[0] ? 0 : micros(before - half);
  });
}

/**
 * Cuts the source into keyframe-aligned pieces by stream copy: video only
 * (the audio is encoded once for the whole range, buildAudioEncodeCommand),
 * each piece's timestamps starting at 0. `outputPattern` is an absolute path
 * with a `%03d`, e.g. `/tmp/job/piece-%03d.mkv`.
 *
 * With `listPath`, the segment muxer appends each piece's name to that file
 * once the piece is closed (`-segment_list`, flat): a piece can be encoded
 * while the split is still writing the next ones.
 */
export function buildSplitCommand(input: string, outputPattern: string, splitTimes: readonly number[], listPath?: string): FfmpegCommand {
  requireAbsolute(input, outputPattern, ...(listPath ? [listPath] : []));
  const options = [
    '-map',
    '0:V:0',
    '-c',
    'copy',
    '-segment_format',
    SEGMENT_MUXER,
    ...(splitTimes.length > 0 ? ['-segment_times', splitTimes.map(ffmpegNumber).join(',')] : []),
    '-reset_timestamps',
    '1',
    ...(listPath ? ['-segment_list', `file:${listPath}`, '-segment_list_type', 'flat'] : []),
  ];
  // A stream copy keeps the demuxer's timestamps, and AVI has none on some packets (MPEG-4 Part 2 B-frames):
  // the demuxer makes them, as for a remux (transcode-command's copyInputArgs).
  return { global: GLOBAL_OPTIONS, inputs: [confinedInput(input, ['-fflags', '+genpts'])], outputs: [fileOutput(outputPattern, 'segment', options)] };
}

export interface SegmentEncodeRequest {
  /** The source itself or the piece of the split holding the segment. */
  readonly input: string;
  /**
   * Source time at which `input` begins: SplitPlan.pieces[i].offset for a
   * piece; for the source, 0, or with `seek` the keyframe the segment starts on.
   */
  readonly inputOffset: number;
  /**
   * The input is the source and `inputOffset` one of its keyframes: ffmpeg
   * seeks there by the container's index and decodes from it, as if from a
   * piece starting there (segmentsReadSource says when that is exact).
   */
  readonly seek?: boolean;
  /** The input is a piece of the split, which keeps no display matrix: a rotated source's picture is turned by a filter (TranscodeRequest.turn). */
  readonly piece?: boolean;
  readonly cut: SegmentCut;
  readonly preset: PresetSettingsInit;
  readonly source: MessageInitShape<typeof MediaProbeSchema>;
  /** Absolute path of the segment, `.mkv`. */
  readonly output: string;
  /**
   * Threads for the decoder and the encoder (`-threads`); ffmpeg's own choice
   * (one per core, and more frame threads in x264) when absent. See
   * segmentEncodeThreads.
   */
  readonly threads?: number;
}

/**
 * How many threads each segment encode of a job of `segments` segments gets
 * when `workers` encodes share `cores` cores. Pure.
 *
 * Every encode of a job the same way: encodes sharing the cores share them
 * evenly only when each has as many threads, and then segments of one length
 * end together. A single-threaded encode beside threaded ones gets a fraction
 * of a core and ends last (bench: four workers on two cores, 8 s segments,
 * single-threaded ones took 10.8 and 12.4 s beside threaded ones; two
 * workers, four 15 s segments, 12 s against 5 s).
 *
 * One thread each once the workers cover the cores and the job has more than
 * two segments per core: frame threading costs x264 about 8 % more CPU
 * (60 s 1080p → 720p veryfast: 26.2 core-seconds on two cores against 24.2
 * in one thread), more with more workers than cores (four 8 s segments at
 * once on two cores: 8.0–9.0 s one thread each, 9.0–10.5 s threaded). With
 * fewer segments (the default plan gives each worker about two), or fewer
 * workers than cores, ffmpeg's own threads: the cores a worker leaves when
 * the queue is empty go to the encodes still running.
 */
export function segmentEncodeThreads(workers: number, cores: number, segments: number): number | undefined {
  return workers >= cores && segments > 2 * cores ? 1 : undefined;
}

/**
 * `-ss` half a frame past the keyframe at `keyframe` s, without accurate
 * seeking: the demuxer lands on the last keyframe at or before that time —
 * this one, out of reach of rounding — and every frame from it on is kept,
 * exactly like a piece the split starts there. (With accurate seeking ffmpeg
 * would drop the keyframe itself, being before the time asked for; asked for
 * the keyframe's own time, rounding could land on the keyframe before and
 * decode a whole GOP more.) ffmpeg counts the input's timestamps from the
 * time asked for, so the keyframe would be at minus half a frame: `-itsoffset`
 * puts the half frame back, the keyframe at 0. (Encoded in ticks of the
 * source's rate, the half frame used to round away; in the source's own time
 * base, which encodes keep, the segment's frames lay half a frame early.)
 */
function keyframeSeekArgs(keyframe: number, fps: number): string[] {
  if (!(fps > 0)) throw new Error(`a keyframe seek needs the source's frame rate, got ${fps}`);
  const half = micros(0.5 / fps);
  return ['-itsoffset', ffmpegNumber(half), '-ss', ffmpegNumber(micros(keyframe + half)), '-noaccurate_seek'];
}

/**
 * Whether segment encodes read the source itself, each seeking to the
 * keyframe its segment starts on, instead of pieces a split writes first.
 * Pure. Without a split the first encode starts as soon as the job is
 * planned, the split's CPU (a full read and copy of the source's video) is
 * saved, and the work directory holds no second copy of the source.
 *
 * Only where that is exact: a QuickTime/MP4 family source (the demuxer
 * seeks by the sample index to the keyframe at or before the time asked
 * for; MPEG-TS, for one, seeks by byte position and lands anywhere), with
 * keyframes to seek to, whose timeline starts at 0 (so the keyframes'
 * packet times are the times -ss counts in).
 */
export function segmentsReadSource(probe: { readonly container?: string; readonly keyframes: readonly number[]; readonly formatStart?: number }): boolean {
  return isIndexedSource(probe.container) && probe.keyframes.length >= 2 && probe.formatStart === 0;
}

/** A QuickTime/MP4-family container (ffprobe's format name): its sample index finds any keyframe without reading the file. */
export function isIndexedSource(container: string | undefined): boolean {
  const family = (container ?? '').split(',');
  return family.includes('mov') || family.includes('mp4');
}

/**
 * Whether the coordinator encodes the range's audio itself, beside the
 * workers (`true`), or queues it as one more work item, ahead of the
 * segments. On a replica with cores to spare (fewer workers than cores) the
 * audio costs nothing there. When the workers already fill every core, an
 * audio encode on the coordinator's replica would leave that replica behind
 * the others (about 9 % of the CPU of a 1080p → 720p H.264 job); queued, it
 * goes to the first free worker of any replica. Pure.
 */
export function encodesAudioBesideWorkers(workers: number, cores: number): boolean {
  return workers < cores;
}

/**
 * One segment's video with the job's preset: buildTranscodeCommand for the
 * segment's cut, without audio, written as Matroska. The codec tag the final
 * container needs (`-tag:v hvc1`), which Matroska refuses, moves to the
 * stitch (buildStitchCommand).
 *
 * The segment's clock counts from its cut's start, so that the stitch can
 * lay each segment at its cut's place on the range (buildConcatList). A
 * seek to the cut (`-ss`) counts from there already; an input read from its
 * own start (a piece, a keyframe seek) counts from that start, which lies
 * after the cut's (a keyframe is up to half a frame past its seam's cut, the
 * source's video begins after its audio): `-output_ts_offset` adds the
 * difference, after `-t` has cut by the input's clock.
 */
export function buildSegmentEncodeCommand(request: SegmentEncodeRequest): TranscodeCommand {
  requireChunkable(request.preset, request.source);
  const { cut, source } = request;
  // MPEG-TS/PS (seek-policy): a seek is an accurate one to a decode point (decodePoints), the cut made after
  // decoding; read from the source, the input's clock starts no earlier than where its video does.
  const indexed = seeksOnInput(source.container);
  const clocked = !request.piece && (!request.seek || !indexed);
  const inputOffset = clocked ? Math.max(request.inputOffset, inputClockStart(source, { hasVideo: true, hasAudio: false })) : request.inputOffset;
  const seeks = request.seek === true && request.inputOffset > 0;
  const seekTo = seeks ? (indexed ? keyframeSeekArgs(request.inputOffset, Number(source.framerate ?? 0)) : ['-ss', ffmpegNumber(request.inputOffset)]) : [];
  const start = micros(cut.start - inputOffset);
  const parts = transcodeParts({
    input: request.input,
    output: request.output,
    preset: { ...request.preset, audioCodec: '' },
    // The input as its clock sees it: from inputOffset on; a piece is Matroska, whatever the source was.
    source: {
      ...source,
      duration: micros(Number(source.duration ?? 0) - inputOffset),
      ...(source.videoStart !== undefined ? { videoStart: Math.max(0, micros(source.videoStart - inputOffset)) } : {}),
      ...(request.piece ? { container: SEGMENT_MUXER } : {}),
    },
    // At the piece's start, the piece is encoded from its first frame (no -ss).
    trim: { start: start > 0 ? start : undefined, end: micros(cut.end - inputOffset) },
    turn: request.piece === true,
  });
  if (request.threads !== undefined && (!Number.isInteger(request.threads) || request.threads < 1)) {
    throw new Error(`threads must be a whole number ≥ 1, got ${request.threads}`);
  }
  // Before the input it sets the decoder's threads, after it the encoder's.
  const threads = request.threads !== undefined ? ['-threads', String(request.threads)] : [];
  const lead = start < 0 ? ['-output_ts_offset', ffmpegNumber(-start)] : [];
  return {
    global: GLOBAL_OPTIONS,
    inputs: [{ options: [...parts.input.options, ...threads, ...seekTo], url: parts.input.url }],
    // Neither the container's options nor its codec tag: both belong to the stitch's output.
    outputs: [fileOutput(request.output, SEGMENT_MUXER, [...parts.trim, ...parts.video, ...parts.audio, ...threads, ...lead])],
    expectedDuration: parts.expectedDuration,
    hasVideo: parts.hasVideo,
    hasAudio: parts.hasAudio,
    muxer: SEGMENT_MUXER,
  };
}

export interface AudioEncodeRequest {
  readonly input: string;
  /** The job's whole range, in seconds from the start of the source. */
  readonly range: SegmentCut;
  readonly preset: PresetSettingsInit;
  readonly source: MessageInitShape<typeof MediaProbeSchema>;
  /** Absolute path; its extension should be audioIntermediateExtension(container). */
  readonly output: string;
}

/**
 * The audio of the whole range, encoded once (in parallel with the video
 * segments). Encoding it per segment would put the encoder's priming samples
 * (1024 for AAC) and a padded last frame at every seam: clicks, and audio
 * drifting ahead of the picture. Undefined when the job has no audio.
 */
export function buildAudioEncodeCommand(request: AudioEncodeRequest): TranscodeCommand | undefined {
  const container = requireChunkable(request.preset, request.source);
  if (!request.source.audioCodec || !request.preset.audioCodec) return undefined;
  return buildTranscodeCommand({
    input: request.input,
    output: request.output,
    preset: { ...request.preset, videoCodec: '', container: audioIntermediateContainer(container) },
    source: request.source,
    trim: { start: request.range.start > 0 ? request.range.start : undefined, end: request.range.end },
  });
}

/**
 * ISO-BMFF keeps the encoder's delay in its edit list, so the AAC priming
 * samples stay marked as such when stream-copied into an MP4/MOV output
 * (checked on ffmpeg 5.1: the stitched audio has exactly the single-pass
 * sample count; through Matroska it gains ~1000 samples).
 *
 * WebM's audio is Opus or Vorbis, and goes through Ogg: ffmpeg 5.1's
 * Matroska demuxer does not hand a stream copy the encoder's delay (Opus
 * pre-skip, 312 samples), so a WebM stitched from a Matroska intermediate
 * has no CodecDelay and declares 6.5 ms more audio than the single pass
 * (1.461 s against 1.448 s for 1.44 s trimmed; the [M5] matrix saw 313008
 * samples for 312000). The Ogg demuxer hands it on, and the stitched WebM
 * declares what the single pass does. Matroska serves every other container.
 */
function audioIntermediateContainer(container: Container): Container {
  if (container === 'mp4' || container === 'mov' || container === 'm4a') return 'mp4';
  return container === 'webm' ? 'ogg' : 'mkv';
}

export function audioIntermediateExtension(container: string): string {
  return isContainer(container) ? audioIntermediateContainer(container) : 'mkv';
}

/** An encoded segment as the stitch lays it: its file and its cut's length (SegmentCut end − start). */
export interface ConcatEntry {
  readonly path: string;
  readonly duration: number;
}

/**
 * The concat demuxer's list of the encoded segments, in order, each laid at
 * its cut's place: `inpoint 0` keeps the segment's own clock, which counts
 * from its cut's start (buildSegmentEncodeCommand), and `duration` — its
 * cut's length — puts the next one at the next cut. By default the demuxer
 * moves each file's first frame to where the one before ends, and measures
 * a Matroska file's length from 0, not from its first frame: a first
 * segment whose video began 21 ms into its cut (a trim between frames, a
 * video starting after its audio) left a 21 ms hole at the first seam, and a
 * segment starting half a frame into its cut was laid half a frame early.
 * The list must
 * sit in the segments' directory: ffmpeg's `-safe 1` refuses absolute paths
 * and `..`, and reads relative names from the list's directory. Names are
 * the chunker's own (`segment-000.mkv`), never user text; `-safe 1` also
 * refuses any name with characters outside [A-Za-z0-9_.-], and quotes are
 * escaped all the same.
 */
export function buildConcatList(listPath: string, segments: readonly ConcatEntry[]): string {
  requireAbsolute(listPath, ...segments.map((s) => s.path));
  if (segments.length === 0) throw new Error('nothing to concatenate');
  const directory = dirname(listPath);
  const lines = segments.flatMap(({ path, duration }) => {
    if (dirname(path) !== directory) throw new Error(`segment ${JSON.stringify(path)} is not next to the concat list`);
    if (!(Number.isFinite(duration) && duration > 0)) throw new Error(`segment ${JSON.stringify(basename(path))} needs a length > 0, got ${duration}`);
    return [`file '${basename(path).replaceAll("'", "'\\''")}'`, 'inpoint 0', `duration ${ffmpegNumber(duration)}`];
  });
  return ['ffconcat version 1.0', ...lines, ''].join('\n');
}

export interface StitchRequest {
  /** Absolute path of the concat list (buildConcatList). */
  readonly listPath: string;
  /** The range's audio (buildAudioEncodeCommand), if the job has audio. */
  readonly audioPath?: string;
  readonly preset: PresetSettingsInit;
  /** Absolute path to write, a temporary name renamed once verified. */
  readonly output: string;
  /**
   * Seconds after the range's start at which the source's video and audio
   * begin (rangeContents' video.start and audio.start less the range's):
   * where the single pass's output has them. Absent or 0: at the start.
   */
  readonly videoStart?: number;
  readonly audioStart?: number;
}

/**
 * Joins the segments and the audio by stream copy into the job's container,
 * with its muxer options (`+faststart`) and the codec tag it needs. The list
 * may name only Matroska files; the audio input gets the same restrictions
 * as any input.
 *
 * ffmpeg moves each input's first packet to 0; a stream that begins later
 * in the range (a video 0.119 s after its audio, sintel.mp4) is put back
 * there by `-itsoffset`, or the chunked output came out that much short of
 * the single pass. What lies under a frame (a trim between frames, a decoder
 * that shows frames one late) is not: the verifier's expectation counts
 * streams from where the probe says they begin (stitch.verifier).
 */
export function buildStitchCommand(request: StitchRequest): FfmpegCommand {
  requireAbsolute(request.listPath, request.output, ...(request.audioPath ? [request.audioPath] : []));
  const container = requireContainer(request.preset);
  const { muxer, options } = containerFormat(container);
  const segments = {
    options: [
      ...startOffset(request.videoStart),
      '-protocol_whitelist',
      'file,pipe',
      '-format_whitelist',
      `concat,${SEGMENT_MUXER}`,
      '-f',
      'concat',
      '-safe',
      '1',
    ],
    url: `file:${request.listPath}`,
  };
  const videoCodec = request.preset.videoCodec ?? '';
  const videoTag = isVideoEncoder(videoCodec) ? videoTagArgs(videoCodec, container) : [];
  return {
    global: GLOBAL_OPTIONS,
    inputs: [segments, ...(request.audioPath ? [confinedInput(request.audioPath, startOffset(request.audioStart))] : [])],
    outputs: [fileOutput(request.output, muxer, ['-map', '0:v:0', ...(request.audioPath ? ['-map', '1:a:0'] : []), '-c', 'copy', ...videoTag, ...options])],
  };
}

function startOffset(seconds: number | undefined): string[] {
  return seconds !== undefined && micros(seconds) > 0 ? ['-itsoffset', ffmpegNumber(micros(seconds))] : [];
}

/**
 * Why a job with this preset and source cannot be chunked, or undefined when
 * it can — or when that is not known yet (no probe): the chunker then says
 * so itself. The scheduler runs such a job as a single pass instead. Pure.
 */
export function whyNotChunkable(preset: PresetSettingsInit | undefined, source: MessageInitShape<typeof MediaProbeSchema> | undefined): string | undefined {
  if (!preset) return undefined;
  if (!preset.videoCodec) return 'its preset makes no video (audio only)';
  if (preset.videoCodec === 'copy') return 'its preset copies the video stream (nothing to encode in parallel)';
  if (source && !source.videoCodec) return 'its source has no video';
  return undefined;
}

/** Chunking encodes video in parallel: the job must make video from a source that has some. */
function requireChunkable(preset: PresetSettingsInit, source: MessageInitShape<typeof MediaProbeSchema>): Container {
  const container = requireContainer(preset);
  if (!source.videoCodec || !preset.videoCodec || preset.videoCodec === 'copy') {
    throw new UnsupportedCombination('only a job that encodes video gains from chunking; run it as a single pass');
  }
  return container;
}

function requireContainer(preset: PresetSettingsInit): Container {
  const container = preset.container ?? '';
  if (!isContainer(container)) throw new UnsupportedCombination(`container ${JSON.stringify(container)} is not supported`);
  return container;
}

function requireAbsolute(...paths: string[]): void {
  for (const path of paths) {
    if (!isAbsolute(path)) throw new Error(`ffmpeg paths must be absolute: ${JSON.stringify(path)}`);
  }
}
