import type { FfmpegOutcome } from '@mpr/core';

export interface AttemptFailure {
  readonly errorMessage: string;
  readonly retryable: boolean;
}

/**
 * Why an ffmpeg run that neither completed nor was aborted failed the
 * attempt, and whether another attempt could help. Pure: the transcoder's
 * work items and the one-shot entry (Lambda, Cloud Run) judge alike.
 */
export function attemptFailure(
  outcome: Exclude<FfmpegOutcome, { kind: 'completed' } | { kind: 'aborted' }>,
  facts: { producedOutput: boolean; stallTimeoutMs: number; summary: (stderr: string) => string },
): AttemptFailure {
  switch (outcome.kind) {
    case 'stalled': {
      const seconds = Math.round(facts.stallTimeoutMs / 1000);
      // Not a frame in all that time: the source gives this encode nothing to write, and another attempt would hang
      // the same way. A stall after some output is the machine's or the worker's, and is retried.
      if (!facts.producedOutput)
        return { errorMessage: `ffmpeg produced no output in ${seconds} s: the source gives this preset and range nothing to encode`, retryable: false };
      return { errorMessage: `ffmpeg made no progress for ${seconds} s`, retryable: true };
    }
    case 'killed-by-signal':
      // Stopped by a signal we did not send (the OOM killer, an operator, a Ctrl-C): the input may well be fine.
      return { errorMessage: `ffmpeg was stopped by ${outcome.signal}`, retryable: true };
    case 'failed':
      return { errorMessage: facts.summary(outcome.exit.stderr) || `ffmpeg exited with code ${outcome.exit.code}`, retryable: false };
  }
}
