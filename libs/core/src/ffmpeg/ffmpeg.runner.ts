import type { FfmpegCommand } from './ffmpeg-command';
import type { FfmpegExit, FfmpegProcess, FfmpegRepository } from './ffmpeg.repository';
import type { ProgressSnapshot } from './progress.parser';
import { ffmpegErrorSummary, type ShownPath } from './stderr.summary';

/**
 * How one ffmpeg run ended, from the caller's point of view: the process's
 * exit alone cannot tell a SIGTERM we sent (abort, stall) from one someone
 * else sent.
 */
export type FfmpegOutcome =
  | { readonly kind: 'completed'; readonly exit: FfmpegExit }
  /** Exited with a non-zero code of its own: the reason is in `exit.stderr`. */
  | { readonly kind: 'failed'; readonly exit: FfmpegExit }
  /** The signal was aborted; `exit` is absent when it was aborted before ffmpeg was started. */
  | { readonly kind: 'aborted'; readonly reason: unknown; readonly exit?: FfmpegExit }
  /** No progress for `stallMs`: stopped by the watchdog. */
  | { readonly kind: 'stalled'; readonly silentMs: number; readonly exit: FfmpegExit }
  /** Ended by a signal we did not send (the OOM killer, an operator, a Ctrl-C): the input may well be fine. */
  | { readonly kind: 'killed-by-signal'; readonly signal: NodeJS.Signals; readonly exit: FfmpegExit };

export interface FfmpegRunLoopOptions {
  /** Stops ffmpeg (SIGTERM, then SIGKILL after the grace) once aborted, also while it is starting. */
  readonly signal: AbortSignal;
  /** Stops ffmpeg once its progress has not moved for this long; no watchdog when absent. */
  readonly stallMs?: number;
  onProgress?(snapshot: ProgressSnapshot): void;
  /** Once the process runs: its pid, for logs and metrics. */
  onStart?(proc: FfmpegProcess): void;
}

/** What the run loop needs of FfmpegRepository: a test can wrap it to act at the start. */
export type FfmpegStarter = Pick<FfmpegRepository, 'start'>;

/**
 * The one way to run an ffmpeg command to its end: start it, pass on its
 * progress, stop it on abort or when it stalls, and tell how it ended. The
 * transcoder, the segment workers and the coordinator's split, audio and
 * stitch all run through here, so an abort that lands while ffmpeg is
 * starting (before a listener could be added) is handled the same for all.
 */
export async function runFfmpeg(ffmpeg: FfmpegStarter, command: FfmpegCommand, options: FfmpegRunLoopOptions): Promise<FfmpegOutcome> {
  const { signal, stallMs } = options;
  if (signal.aborted) return { kind: 'aborted', reason: signal.reason };
  const watch = new StallWatch();
  const proc = await ffmpeg.start(command, {
    onProgress: (snapshot) => {
      watch.report(snapshot);
      options.onProgress?.(snapshot);
    },
  });
  options.onStart?.(proc);
  let stalledFor: number | undefined;
  const stop = () => void proc.stop();
  signal.addEventListener('abort', stop, { once: true });
  // Aborted while ffmpeg was starting: the listener came too late to hear it.
  if (signal.aborted) stop();
  const watchdog =
    stallMs === undefined
      ? undefined
      : setInterval(
          () => {
            const silentMs = watch.silentForMs();
            if (silentMs < stallMs || stalledFor !== undefined) return;
            stalledFor = silentMs;
            stop();
          },
          Math.min(1_000, stallMs / 4),
        );
  try {
    const exit = await proc.exited;
    if (signal.aborted) return { kind: 'aborted', reason: signal.reason, exit };
    if (stalledFor !== undefined) return { kind: 'stalled', silentMs: stalledFor, exit };
    if (exit.code === 0) return { kind: 'completed', exit };
    if (exit.signal) return { kind: 'killed-by-signal', signal: exit.signal, exit };
    return { kind: 'failed', exit };
  } finally {
    clearInterval(watchdog);
    signal.removeEventListener('abort', stop);
  }
}

/**
 * Why a run that neither completed nor was aborted failed, for a job's error: ffmpeg's own words when it gave some,
 * with `paths` shown as media paths (ffmpegErrorSummary).
 */
export function ffmpegFailure(outcome: Exclude<FfmpegOutcome, { kind: 'completed' | 'aborted' }>, paths: readonly ShownPath[] = []): string {
  switch (outcome.kind) {
    case 'failed':
      return ffmpegErrorSummary(outcome.exit.stderr, paths) || `ffmpeg exited with code ${outcome.exit.code}`;
    case 'killed-by-signal':
      return `ffmpeg was stopped by ${outcome.signal}`;
    case 'stalled':
      return `ffmpeg made no progress for ${Math.round(outcome.silentMs / 1000)} s`;
  }
}

/**
 * How long ffmpeg has made no progress: a block that moves neither its
 * output time nor its frame count is no sign of life (a hung encoder still
 * reports).
 */
export class StallWatch {
  private last: ProgressSnapshot | undefined;
  private lastAdvanceAt: number;

  constructor(now = Date.now()) {
    this.lastAdvanceAt = now;
  }

  report(snapshot: ProgressSnapshot, now = Date.now()): void {
    const previous = this.last;
    if (!previous || snapshot.outTimeSeconds > previous.outTimeSeconds || snapshot.frame > previous.frame) this.lastAdvanceAt = now;
    this.last = snapshot;
  }

  silentForMs(now = Date.now()): number {
    return now - this.lastAdvanceAt;
  }
}
