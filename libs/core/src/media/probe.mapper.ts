import { type FfprobeCommand, ffprobeOf } from '../ffmpeg/ffprobe-command';
import { normalRotation } from './display-rotation';
import { micros } from './source-range';
import type { MediaProbe } from '@mpr/contracts/asset_pb';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { MediaProbeSchema } from '@mpr/contracts/asset_pb';

export type ProbeResult = MessageInitShape<typeof MediaProbeSchema> & Partial<Pick<MediaProbe, 'duration'>>;

/** The parts of `ffprobe -print_format json -show_format -show_streams` we read. */
export interface FfprobeOutput {
  format?: { format_name?: string; duration?: string; bit_rate?: string; start_time?: string };
  streams?: Array<{
    index?: number;
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    start_time?: string;
    duration?: string;
    channels?: number;
    sample_rate?: string;
    disposition?: { attached_pic?: number };
    side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
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
  const { video, audio } = keptStreams(output);
  if (!video && !audio) throw new Error('no audio or video stream found');
  const duration = Number(output.format?.duration ?? video?.duration ?? audio?.duration ?? 0);
  return {
    duration: Number.isFinite(duration) ? duration : 0,
    container: output.format?.format_name ?? '',
    videoCodec: video?.codec_name ?? '',
    audioCodec: audio?.codec_name ?? '',
    width: video?.width ?? 0,
    height: video?.height ?? 0,
    framerate: video ? videoRate(video, output.format?.format_name) : 0,
    bitrate: Number(output.format?.bit_rate ?? 0) || 0,
    audioChannels: audio?.channels ?? 0,
    audioSampleRate: Number(audio?.sample_rate ?? 0) || 0,
    rotation: normalRotation(video?.side_data_list?.find((d) => d.side_data_type === 'Display Matrix')?.rotation),
  };
}

type FfprobeStream = NonNullable<FfprobeOutput['streams']>[number];

/**
 * The video's frame rate: its average, as frames over duration (a variable
 * rate counts what it really shows). In AVI the average is the container's
 * tick rate instead (dwRate/dwScale over the header's chunk count, empty
 * chunks included), which ffmpeg's muxer sets from the codec's time base:
 * MPEG-1 video at 30 fps copied into AVI ticks at 60 fps, every other chunk
 * empty, 48 chunks for 24 frames. The frames step at r_frame_rate then, so
 * in AVI the lower of the two is the video's rate.
 */
function videoRate(video: FfprobeStream, container: string | undefined): number {
  const average = parseRate(video.avg_frame_rate);
  const steps = parseRate(video.r_frame_rate);
  if (container === 'avi' && average > 0 && steps > 0) return Math.min(average, steps);
  return average || steps;
}

/** The streams a probe reports and an encode maps (`0:V:0`, `0:a:0`): the first video that is not cover art, the first audio. */
function keptStreams(output: FfprobeOutput): { video?: FfprobeStream; audio?: FfprobeStream } {
  const streams = output.streams ?? [];
  return {
    video: streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic),
    audio: streams.find((s) => s.codec_type === 'audio'),
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
 * Where the media's timeline begins on the input's clock: its start time,
 * negative too (Opus pre-skip); 0 when ffprobe gives none.
 */
function clockOrigin(output: FfprobeOutput): number {
  const start = Number(output.format?.start_time);
  return Number.isFinite(start) ? start : 0;
}

/**
 * A probe listing every stream's packets (index, time, duration) from `from`
 * seconds (on the input's clock) to the end: the demuxer seeks there by its
 * index, so the tail of a large file costs what a small one does.
 */
export function buildPacketTailProbe(input: string, from: number): FfprobeCommand {
  return ffprobeOf(input, {
    read: ['-read_intervals', `${Math.max(0, Math.floor(from * 1000) / 1000)}%`],
    show: ['-show_entries', 'packet=stream_index,pts_time,duration_time'],
    format: 'csv=p=0',
  });
}

/** The asset probe: every stream and the container, as JSON for mapProbe. */
export function buildMediaProbe(input: string): FfprobeCommand {
  return ffprobeOf(input, { read: [], show: ['-show_format', '-show_streams'], format: 'json' });
}

/**
 * Where each stream's last packet in buildPacketTailProbe's output (`index,pts,duration` lines) ends, by stream
 * index, on the input's clock. A stream in `wholeFrames` (decodedWhole) plays each packet as long as its longest
 * one: the decoder's last frame is whole whatever the container declares. A duration that would end a packet past
 * `believedUntil` (the container's end and a frame: believedEnd) is not believed, and the packet ends at its
 * time: ffmpeg 5.1's stream copy of an Ogg Vorbis file wrote a last granule that its demuxer reads as a packet
 * of 44739 s ([M5] matrix, camera-shutter.oga). Pure.
 */
export function packetEnds(csv: string, wholeFrames: ReadonlySet<number> = new Set(), believedUntil = Number.POSITIVE_INFINITY): Map<number, number> {
  const ends = new Map<number, number>();
  const longest = new Map<number, number>();
  for (const line of csv.split('\n')) {
    const [index, pts, duration] = line.trim().split(',');
    const stream = Number(index);
    if (index === '' || !Number.isInteger(stream)) continue;
    const length = Number(duration);
    if (wholeFrames.has(stream) && Number.isFinite(length)) longest.set(stream, Math.max(length, longest.get(stream) ?? 0));
    const played = longest.get(stream);
    const end = believed(packetEnd(pts, played !== undefined ? String(played) : duration), pts, believedUntil);
    if (end === undefined) continue;
    ends.set(stream, Math.max(micros(end), ends.get(stream) ?? 0));
  }
  return ends;
}

/** A packet's end, or its time when its duration runs past `until`. */
function believed(end: number | undefined, pts: string | undefined, until: number): number | undefined {
  return end !== undefined && end > until ? packetEnd(pts, undefined) : end;
}

/** How far past the container's end a stream's last packet may end: a frame decoded whole (1152 samples at 8 kHz is 0.144 s). */
const OVERHANG_SECONDS = 0.15;

/** packetEnds' `believedUntil` for a file that declares `declared` seconds: its end on the input's clock, and a frame. */
export function believedEnd(output: FfprobeOutput, declared: number): number {
  return clockOrigin(output) + declared + OVERHANG_SECONDS;
}

/** Audio codecs of fixed-length frames, whose decoder outputs every frame whole. */
const FIXED_FRAME_AUDIO = new Set(['aac', 'mp3', 'mp2', 'ac3', 'eac3']);

/**
 * The streams whose last packet plays longer than its declared duration
 * (packetEnds' `wholeFrames`): fixed-frame audio in MP4/MOV/3GP. The edit
 * list's end shortens that packet to the audio's declared length, but
 * ffmpeg 5.1's mov demuxer tells the decoder nothing of it, and the decoder
 * outputs the whole frame: 2 s of 16 kHz AAC (32000 samples declared)
 * decodes to 32768, 48 ms more, which every encode of it keeps ([M5]
 * matrix, phone.3gp: an Opus output of 98688 samples where 2 s gives
 * 96000, more than an Opus frame). Pure.
 */
export function decodedWhole(output: FfprobeOutput): Set<number> {
  const { audio } = keptStreams(output);
  const mov = (output.format?.format_name ?? '').split(',').includes('mov');
  return mov && audio?.index !== undefined && FIXED_FRAME_AUDIO.has(audio.codec_name ?? '') ? new Set([audio.index]) : new Set();
}

/**
 * The media's length from the streams' ends (packetEnds): where its last
 * packet ends, less its start time, when that is shorter than the declared
 * duration; else the declared duration. Pure.
 */
export function contentLength(declared: number, start: number, ends: ReadonlyMap<number, number>): number {
  if (ends.size === 0) return declared;
  const content = micros(Math.max(...ends.values()) - start);
  return content > 0 && content < declared ? content : declared;
}

/**
 * Where the kept video and audio streams begin and end on the media's
 * timeline (0 = its start, as trims count): one may outlast the other, and
 * what an output holds follows the streams it keeps (media/source-range.ts).
 * The end is where the stream's last packet ends (`ends`, from the tail of
 * the file), else its start plus its declared duration; unknown (unset)
 * when neither is there (Matroska declares none per stream). Pure.
 */
export type StreamSpans = Pick<ProbeResult, 'videoStart' | 'videoEnd' | 'audioStart' | 'audioEnd'>;

export function streamSpans(output: FfprobeOutput, ends: ReadonlyMap<number, number>): StreamSpans {
  const { video, audio } = keptStreams(output);
  const origin = clockOrigin(output);
  const span = (stream: FfprobeStream | undefined) => {
    if (!stream) return {};
    const start = Number(stream.start_time);
    const declared = Number(stream.duration);
    const packets = stream.index !== undefined ? ends.get(stream.index) : undefined;
    const end = packets ?? (Number.isFinite(start) && Number.isFinite(declared) ? start + declared : undefined);
    return {
      start: Number.isFinite(start) ? Math.max(0, micros(start - origin)) : undefined,
      end: end !== undefined ? Math.max(0, micros(end - origin)) : undefined,
    };
  };
  const [v, a] = [span(video), span(audio)];
  return { videoStart: v.start, videoEnd: v.end, audioStart: a.start, audioEnd: a.end };
}

/** Where a packet ends, from ffprobe's `pts_time` and `duration_time` fields (a duration of N/A counts as 0); undefined without a time. */
function packetEnd(pts: string | undefined, duration: string | undefined): number | undefined {
  const time = Number(pts);
  if (!pts || pts === 'N/A' || !Number.isFinite(time)) return undefined;
  const length = Number(duration);
  return time + (duration && duration !== 'N/A' && Number.isFinite(length) ? length : 0);
}

/**
 * Seconds of the kept audio stream's packets in buildPacketTailProbe's output
 * (`index,pts,duration` lines) read from 0, all of them (read, not decoded):
 * their sum is how long the audio plays, where its timestamps do not say
 * (audioTimedBySamples). Undefined without an audio stream or when none of
 * its packets has a duration. Pure.
 */
export function audioPacketsLength(output: FfprobeOutput, csv: string): number | undefined {
  const index = keptStreams(output).audio?.index;
  if (index === undefined) return undefined;
  let total = 0;
  let counted = 0;
  for (const line of csv.split('\n')) {
    const [stream, , duration] = line.trim().split(',');
    const seconds = Number(duration);
    if (stream === '' || Number(stream) !== index || !duration || !Number.isFinite(seconds)) continue;
    total += seconds;
    counted++;
  }
  return counted > 0 ? micros(total) : undefined;
}

/** How far the audio's timestamps may run past its samples before they are said to disagree: an MP3 frame or two. */
const STAMPED_SLACK_SECONDS = 0.1;

/**
 * Where audio timed by its samples ends — its start plus `length` seconds of
 * packets (audioPacketsLength) — and, when the demuxer's timestamps put its end
 * further (the spans' audioEnd, from the tail's packets), that end as
 * audioStampedEnd: 11.025 kHz MP3 in AVI, 1.2 s of sound stamped over
 * 2.35 s. Pure.
 */
export function sampleTimedEnd(spans: StreamSpans, length: number): Pick<ProbeResult, 'audioEnd' | 'audioStampedEnd'> {
  const end = micros((spans.audioStart ?? 0) + length);
  const stamped = spans.audioEnd;
  return stamped !== undefined && stamped > end + STAMPED_SLACK_SECONDS ? { audioEnd: end, audioStampedEnd: stamped } : { audioEnd: end };
}

/**
 * Audio codecs whose decoder's output does not lie where the packets do: ffmpeg 5.1's WMA decoders output
 * nothing for the first packet and stamp their first frame two packets in. 3 s of WMA2 at 44.1 kHz in ASF
 * (ffmpeg-made): 65 packets of 46 ms from 0 to 3.018 s, 64 frames of 2048 samples (2.972 s) from 0.092 s
 * ([M5] matrix: a chunked VP9/Opus job of a WMV was refused, '142992 audio samples, expected 144864').
 */
const DECODED_AWAY_FROM_PACKETS = new Set(['wmav1', 'wmav2']);

/** Whether the kept audio's span must be measured by decoding it (buildAudioFramesProbe) rather than from its packets. Pure. */
export function audioSpanDecoded(output: FfprobeOutput): boolean {
  return DECODED_AWAY_FROM_PACKETS.has(keptStreams(output).audio?.codec_name ?? '');
}

/** Every decoded frame of the first audio stream (what an encode maps, `0:a:0`): its time and its samples, CSV. */
export function buildAudioFramesProbe(input: string): FfprobeCommand {
  return ffprobeOf(input, { read: ['-select_streams', 'a:0'], show: ['-show_entries', 'frame=pts_time,nb_samples'], format: 'csv=p=0' });
}

/**
 * Where the decoded audio begins and ends on the media's timeline, from buildAudioFramesProbe's `pts,samples`
 * lines: at its first stamped frame, for as many samples as all its frames hold (the decoder's last, flushed
 * frame has no time of its own). Undefined without a stamped frame or a sample rate. Pure.
 */
export function decodedAudioSpan(output: FfprobeOutput, csv: string): Pick<ProbeResult, 'audioStart' | 'audioEnd'> | undefined {
  const rate = Number(keptStreams(output).audio?.sample_rate);
  let first: number | undefined;
  let samples = 0;
  for (const line of csv.split('\n')) {
    const [pts, count] = line.trim().split(',');
    const n = Number(count);
    if (!count || !Number.isFinite(n)) continue;
    samples += n;
    const time = Number(pts);
    if (first === undefined && pts !== 'N/A' && pts !== '' && Number.isFinite(time)) first = time;
  }
  if (first === undefined || !(rate > 0)) return undefined;
  const start = Math.max(0, micros(first - clockOrigin(output)));
  return { audioStart: start, audioEnd: micros(start + samples / rate) };
}
