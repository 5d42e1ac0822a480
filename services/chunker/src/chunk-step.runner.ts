import { type FfmpegCommand, ffmpegFailure, type FfmpegStarter, runFfmpeg, type ShownPath } from '@mpr/core';
import { Aborted } from './chunk.errors';

/**
 * Runs one of the coordinator's own ffmpeg commands (split, audio, stitch)
 * to success, or throws: Aborted once the signal is, an Error otherwise.
 * One whose progress does not move for `stallMs` is stopped and fails the
 * attempt: the coordinator's progress ticker would otherwise keep a hung
 * job looking alive. `paths` are shown as media paths in its error.
 */
export async function runStep(
  ffmpeg: FfmpegStarter,
  command: FfmpegCommand,
  what: string,
  signal: AbortSignal,
  stallMs: number,
  paths: readonly ShownPath[] = [],
): Promise<void> {
  const outcome = await runFfmpeg(ffmpeg, command, { signal, stallMs });
  switch (outcome.kind) {
    case 'completed':
      return;
    case 'aborted':
      throw new Aborted();
    case 'stalled':
      throw new Error(`ffmpeg (${what}) reported nothing for ${Math.round(stallMs / 1000)} s: it is stuck`);
    default:
      throw new Error(ffmpegFailure(outcome, paths));
  }
}
