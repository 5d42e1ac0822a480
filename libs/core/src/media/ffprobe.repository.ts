import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ffmpegErrorSummary, type ShownPath } from '../ffmpeg/stderr.summary';
import { type FfprobeCommand, ffprobeArgv } from '../ffmpeg/ffprobe-command';
import { audioTimedBySamples } from './source-range';
import {
  audioPacketsLength,
  audioSpanDecoded,
  buildAudioFramesProbe,
  buildMediaProbe,
  buildPacketTailProbe,
  contentLength,
  decodedAudioSpan,
  type FfprobeOutput,
  lateStart,
  mapProbe,
  believedEnd,
  decodedWhole,
  packetEnds,
  type ProbeResult,
  sampleTimedEnd,
  streamSpans,
} from './probe.mapper';

const run = promisify(execFile);

/** ffprobe refused the file; `message` is ffprobe's own reason. */
export class ProbeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProbeError';
  }
}

/**
 * The one place that runs ffprobe. Plain execFile with an argument array
 * rather than fluent-ffmpeg's ffprobe: it gives us a timeout and a kill, and
 * JSON output instead of a hand-parsed text format.
 */
export class FfprobeRepository {
  constructor(private readonly binary = 'ffprobe') {}

  /** `paths` name the roots or files that a failure's message shows instead of host paths (ffmpegErrorSummary). */
  async probe(absolutePath: string, timeoutMs = 15_000, paths: readonly ShownPath[] = []): Promise<ProbeResult> {
    let stdout: string;
    try {
      ({ stdout } = await run(this.binary, ffprobeArgv(buildMediaProbe(absolutePath)), { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024 }));
    } catch (err) {
      throw this.failure(err, timeoutMs, paths);
    }
    let output: FfprobeOutput;
    let probe: ProbeResult;
    try {
      output = JSON.parse(stdout) as FfprobeOutput;
      probe = mapProbe(output);
    } catch (err) {
      throw new ProbeError((err as Error).message);
    }
    // The tail's packets say where each kept stream ends (one may outlast the other), and, when the clock
    // starts late and the declared duration is ambiguous (lateStart), how long the media is. Audio timed by
    // its samples (AVI) ends where its packets' durations add up to, all of them read: that read, from 0,
    // is the tail too (the demuxer reads the whole file for it either way), so it is one ffprobe, not two.
    // Its lines fit output()'s 64 MiB for about 11 h of 30 fps video with MP3; past that it reads as none.
    const declared = probe.duration ?? 0;
    const start = lateStart(output);
    if (!(declared > 0)) return { ...probe, ...(await this.measuredLength(output, absolutePath, start ?? 0, timeoutMs, paths)) };
    const sampleTimed = Boolean(probe.audioCodec) && audioTimedBySamples(probe.container);
    const origin = Number(output.format?.start_time);
    const from = sampleTimed ? 0 : (Number.isFinite(origin) ? origin : 0) + declared - TAIL_SECONDS;
    const packets = await this.output(buildPacketTailProbe(absolutePath, from), timeoutMs, paths).catch(() => '');
    const ends = packetEnds(packets, decodedWhole(output), believedEnd(output, declared));
    const spans = streamSpans(output, ends);
    const audioLength = sampleTimed ? audioPacketsLength(output, packets) : undefined;
    const audio = audioLength === undefined ? {} : sampleTimedEnd(spans, audioLength);
    // WMA decodes elsewhere than its packets lie (audioSpanDecoded): its frames are read, decoded (about 1000×
    // real time for WMA2, so an hour of it costs a few seconds), for where the sound really is.
    const decoded = audioSpanDecoded(output)
      ? decodedAudioSpan(output, await this.output(buildAudioFramesProbe(absolutePath), timeoutMs, paths).catch(() => ''))
      : undefined;
    return { ...probe, ...spans, ...audio, ...decoded, duration: start === undefined ? declared : contentLength(declared, start, ends) };
  }

  /**
   * A file that declares no duration (a Matroska written to a pipe: no seek
   * back to write it, nor cues) lasts until its last packet ends: all its
   * packets are read, without decoding; they also say where each stream ends.
   * A duration of 0 when no packet has a time.
   */
  private async measuredLength(
    output: FfprobeOutput,
    absolutePath: string,
    start: number,
    timeoutMs: number,
    paths: readonly ShownPath[],
  ): Promise<Pick<ProbeResult, 'duration' | 'videoStart' | 'videoEnd' | 'audioStart' | 'audioEnd'>> {
    const ends = packetEnds(await this.output(buildPacketTailProbe(absolutePath, 0), timeoutMs, paths).catch(() => ''), decodedWhole(output));
    const length = contentLength(Number.POSITIVE_INFINITY, start, ends);
    return { ...streamSpans(output, ends), duration: Number.isFinite(length) ? length : 0 };
  }

  /**
   * ffprobe's stdout for a command (buildKeyframeProbe, buildStitchProbe):
   * the chunker reads keyframes and stitched outputs.
   */
  async output(command: FfprobeCommand, timeoutMs = 60_000, paths: readonly ShownPath[] = []): Promise<string> {
    try {
      const { stdout } = await run(this.binary, ffprobeArgv(command), { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (err) {
      throw this.failure(err, timeoutMs, paths);
    }
  }

  /** A ProbeError with ffprobe's reason (no host path), or the error of a missing binary. */
  private failure(err: unknown, timeoutMs: number, paths: readonly ShownPath[]): Error {
    const failure = err as { killed?: boolean; stderr?: string; code?: number | string };
    if (failure.killed) return new ProbeError(`ffprobe gave no answer within ${timeoutMs} ms`);
    if (failure.code === 'ENOENT') return new Error(`${this.binary} is not installed`, { cause: err });
    return new ProbeError(ffmpegErrorSummary(failure.stderr ?? '', paths) || `ffprobe exited with ${failure.code}`, { cause: err });
  }
}

/** How much of a file's end the stream-end check reads: a few GOPs. */
const TAIL_SECONDS = 5;
