import { safeInputArgs } from '../media/media-types';

/** One `-i` and the options that apply to it (written before it). */
export interface FfmpegInput {
  readonly options: readonly string[];
  /** What `-i` reads: a `file:` URL for files, so no name is taken for a protocol. */
  readonly url: string;
}

/** One output: its options, its muxer (`-f`) and where it is written. */
export interface FfmpegOutput {
  readonly options: readonly string[];
  readonly format: string;
  readonly url: string;
}

/**
 * An ffmpeg command as data: what FfmpegRepository hands to fluent-ffmpeg's
 * input()/inputOptions()/output()/outputOptions(), and what the builders
 * compose from each other's parts instead of editing an argv.
 */
export interface FfmpegCommand {
  /** Options for the whole run, written first. */
  readonly global: readonly string[];
  readonly inputs: readonly FfmpegInput[];
  readonly outputs: readonly FfmpegOutput[];
}

/** Every command's global options: no banner, never read the terminal, overwrite the (temporary) output. */
export const GLOBAL_OPTIONS: readonly string[] = ['-hide_banner', '-nostdin', '-y'];

/** A local file as an input, confined to the media demuxers (safeInputArgs) after `options` of its own. */
export function confinedInput(path: string, options: readonly string[] = []): FfmpegInput {
  return { options: [...options, ...safeInputArgs()], url: `file:${path}` };
}

/** A file output. */
export function fileOutput(path: string, format: string, options: readonly string[]): FfmpegOutput {
  return { options, format, url: `file:${path}` };
}

/** The argv (after the binary's name) that runs `command`: global options, each input, each output. */
export function ffmpegArgv(command: FfmpegCommand): string[] {
  return [
    ...command.global,
    ...command.inputs.flatMap((input) => [...input.options, '-i', input.url]),
    ...command.outputs.flatMap((output) => [...output.options, '-f', output.format, output.url]),
  ];
}
