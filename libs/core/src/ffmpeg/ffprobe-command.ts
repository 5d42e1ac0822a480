import { confinedInput, type FfmpegInput } from './ffmpeg-command';

/**
 * An ffprobe command as data, the probe's counterpart of FfmpegCommand: the
 * builders (the asset probe, the packet tail, the keyframe and stitch probes)
 * say what is read, what is shown and in which format, and FfprobeRepository
 * turns it into the argv (ffprobeArgv) it runs.
 */
export interface FfprobeCommand {
  /** The one input: a `file:` URL confined to the media demuxers (confinedInput). */
  readonly input: FfmpegInput;
  /** Which part is read: `-select_streams`, `-read_intervals`, `-count_packets`; empty for all of it. */
  readonly read: readonly string[];
  /** What is printed: `-show_entries …`, or `-show_format` and `-show_streams`. */
  readonly show: readonly string[];
  /** `-print_format`: `json`, or `csv=p=…` for line-per-packet output. */
  readonly format: string;
}

/** A probe of the local file at `path`. */
export function ffprobeOf(path: string, parts: Omit<FfprobeCommand, 'input'>): FfprobeCommand {
  return { input: confinedInput(path), ...parts };
}

/** The argv (after the binary's name) that runs `command`: errors only, the input's restrictions, what it reads and shows, the input last. */
export function ffprobeArgv(command: FfprobeCommand): string[] {
  return ['-v', 'error', ...command.input.options, ...command.read, ...command.show, '-print_format', command.format, '-i', command.input.url];
}
