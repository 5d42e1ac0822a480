import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { safeInputArgs } from './media-types';
import { buildPacketTailArgs, contentLength, type FfprobeOutput, lateStart, mapProbe, type ProbeResult } from './probe.mapper';

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

  async probe(absolutePath: string, timeoutMs = 15_000): Promise<ProbeResult> {
    let stdout: string;
    try {
      ({ stdout } = await run(
        this.binary,
        ['-v', 'error', ...safeInputArgs(), '-print_format', 'json', '-show_format', '-show_streams', '-i', `file:${absolutePath}`],
        { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024 },
      ));
    } catch (err) {
      const failure = err as { killed?: boolean; stderr?: string; code?: number | string };
      if (failure.killed) throw new ProbeError(`ffprobe gave no answer within ${timeoutMs} ms`);
      if (failure.code === 'ENOENT') throw new Error(`${this.binary} is not installed`, { cause: err });
      throw new ProbeError(lastLines(failure.stderr ?? '') || `ffprobe exited with ${failure.code}`, { cause: err });
    }
    let output: FfprobeOutput;
    let probe: ProbeResult;
    try {
      output = JSON.parse(stdout) as FfprobeOutput;
      probe = mapProbe(output);
    } catch (err) {
      throw new ProbeError((err as Error).message);
    }
    // A late clock makes the declared duration ambiguous (lateStart): the last packets say how long the media is.
    const start = lateStart(output);
    const declared = probe.duration ?? 0;
    if (!(declared > 0)) return { ...probe, duration: await this.measuredLength(absolutePath, start ?? 0, timeoutMs) };
    if (start === undefined) return probe;
    const tail = await this.output(buildPacketTailArgs(absolutePath, start + declared - TAIL_SECONDS), timeoutMs).catch(() => '');
    return { ...probe, duration: contentLength(declared, start, tail) };
  }

  /**
   * A file that declares no duration (a Matroska written to a pipe: no seek
   * back to write it, nor cues) lasts until its last packet ends: all its
   * packets are read, without decoding. 0 when none has a time.
   */
  private async measuredLength(absolutePath: string, start: number, timeoutMs: number): Promise<number> {
    const packets = await this.output(buildPacketTailArgs(absolutePath, 0), timeoutMs).catch(() => '');
    const length = contentLength(Number.POSITIVE_INFINITY, start, packets);
    return Number.isFinite(length) ? length : 0;
  }

  /**
   * ffprobe's stdout for a finished argv (buildKeyframeProbeArgs,
   * buildStitchProbeArgs): the chunker reads keyframes and stitched outputs.
   */
  async output(args: readonly string[], timeoutMs = 60_000): Promise<string> {
    try {
      const { stdout } = await run(this.binary, [...args], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (err) {
      const failure = err as { killed?: boolean; stderr?: string; code?: number | string };
      if (failure.killed) throw new ProbeError(`ffprobe gave no answer within ${timeoutMs} ms`);
      if (failure.code === 'ENOENT') throw new Error(`${this.binary} is not installed`, { cause: err });
      throw new ProbeError(lastLines(failure.stderr ?? '') || `ffprobe exited with ${failure.code}`, { cause: err });
    }
  }
}

/** How much of a late-clocked file's end the duration check reads: a few GOPs. */
const TAIL_SECONDS = 5;

/** ffprobe's last meaningful stderr lines, without the path prefix noise. */
export function lastLines(stderr: string, count = 3): string {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-count)
    .join('; ');
}
