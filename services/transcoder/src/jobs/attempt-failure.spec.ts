import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attemptFailure } from './attempt-failure';

const exit = { code: 1, signal: null, stderr: 'x: Invalid data found when processing input' };
const facts = (producedOutput: boolean) => ({ producedOutput, stallTimeoutMs: 60_000, summary: (stderr: string) => `summary of ${stderr.length} chars` });

describe('attemptFailure', () => {
  it('a stall before any output is final: the source gives this encode nothing', () => {
    assert.deepEqual(attemptFailure({ kind: 'stalled', silentMs: 60_000, exit }, facts(false)), {
      errorMessage: 'ffmpeg produced no output in 60 s: the source gives this preset and range nothing to encode',
      retryable: false,
    });
  });

  it('a stall after some output, and a signal we did not send, are retryable', () => {
    assert.deepEqual(attemptFailure({ kind: 'stalled', silentMs: 60_000, exit }, facts(true)), {
      errorMessage: 'ffmpeg made no progress for 60 s',
      retryable: true,
    });
    assert.deepEqual(attemptFailure({ kind: 'killed-by-signal', signal: 'SIGKILL', exit }, facts(true)), {
      errorMessage: 'ffmpeg was stopped by SIGKILL',
      retryable: true,
    });
  });

  it("ffmpeg's own failure is final, in its words, or its exit code when it said nothing", () => {
    assert.deepEqual(attemptFailure({ kind: 'failed', exit }, facts(true)), { errorMessage: `summary of ${exit.stderr.length} chars`, retryable: false });
    assert.deepEqual(attemptFailure({ kind: 'failed', exit: { ...exit, code: 187 } }, { ...facts(true), summary: () => '' }), {
      errorMessage: 'ffmpeg exited with code 187',
      retryable: false,
    });
  });
});
