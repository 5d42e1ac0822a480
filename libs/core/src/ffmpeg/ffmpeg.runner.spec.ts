import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FfmpegCommand } from './ffmpeg-command';
import { FfmpegRepository } from './ffmpeg.repository';
import { type FfmpegStarter, runFfmpeg, StallWatch } from './ffmpeg.runner';
import type { ProgressSnapshot } from './progress.parser';

/** A null encode of a blank picture; `-re` paces it in real time, so `seconds` is how long it would run. */
function nullEncode(seconds: number, realtime = true): FfmpegCommand {
  return {
    global: ['-hide_banner', '-nostdin'],
    inputs: [{ options: [...(realtime ? ['-re'] : []), '-f', 'lavfi'], url: `nullsrc=s=16x16:r=10:d=${seconds}` }],
    outputs: [{ options: [], format: 'null', url: 'file:/dev/null' }],
  };
}

// Each test would run for 100 s if the outcome it checks did not stop ffmpeg: the timeout fails it instead.
const OPTIONS = { timeout: 20_000 };

describe('runFfmpeg (real ffmpeg)', () => {
  const ffmpeg = new FfmpegRepository();
  /** A 100 s encode that someone else sends `signal` as soon as it runs. */
  const signalledOnStart = (signal: NodeJS.Signals, stallMs: number) =>
    runFfmpeg(ffmpeg, nullEncode(100), { signal: new AbortController().signal, stallMs, onStart: (proc) => process.kill(proc.pid, signal) });

  it('runs a command to completion and passes its progress on', OPTIONS, async () => {
    const snapshots: ProgressSnapshot[] = [];
    const outcome = await runFfmpeg(ffmpeg, nullEncode(0.5, false), { signal: new AbortController().signal, onProgress: (s) => snapshots.push(s) });
    assert.equal(outcome.kind, 'completed');
    assert.equal(snapshots.at(-1)?.done, true);
  });

  it('starts nothing when aborted before the start', OPTIONS, async () => {
    const controller = new AbortController();
    controller.abort('cancelled');
    let starts = 0;
    const counting: FfmpegStarter = { start: (...args) => (starts++, ffmpeg.start(...args)) };
    const outcome = await runFfmpeg(counting, nullEncode(100), { signal: controller.signal });
    assert.deepEqual(outcome, { kind: 'aborted', reason: 'cancelled' });
    assert.equal(starts, 0);
  });

  it('stops an ffmpeg whose abort landed while it was starting', OPTIONS, async () => {
    const controller = new AbortController();
    // The abort fires after the process exists but before the run loop could listen for it.
    const abortingOnStart: FfmpegStarter = {
      start: async (...args) => {
        const proc = await ffmpeg.start(...args);
        controller.abort('shutdown');
        return proc;
      },
    };
    const outcome = await runFfmpeg(abortingOnStart, nullEncode(100), { signal: controller.signal, stallMs: 60_000 });
    assert.equal(outcome.kind, 'aborted');
    assert.equal(outcome.kind === 'aborted' && outcome.reason, 'shutdown');
    // An exit is only there once the process has gone; SIGTERM is our stop, long before the 100 s.
    assert.equal(outcome.kind === 'aborted' && outcome.exit?.signal, 'SIGTERM');
  });

  it('stops an ffmpeg that makes no progress for the stall time', OPTIONS, async () => {
    // A stopped process reports nothing, and cannot handle SIGTERM either: the stop ends in SIGKILL.
    const outcome = await signalledOnStart('SIGSTOP', 400);
    assert.equal(outcome.kind, 'stalled');
    assert.ok(outcome.kind === 'stalled' && outcome.silentMs >= 400, 'stopped only once silent for the stall time');
    assert.equal(outcome.exit.signal, 'SIGKILL');
  });

  it("tells a non-zero exit, with ffmpeg's reason", OPTIONS, async () => {
    const command: FfmpegCommand = {
      global: ['-hide_banner', '-nostdin'],
      inputs: [{ options: [], url: 'file:/nonexistent/missing.mp4' }],
      outputs: [{ options: [], format: 'null', url: 'file:/dev/null' }],
    };
    const outcome = await runFfmpeg(ffmpeg, command, { signal: new AbortController().signal, stallMs: 60_000 });
    assert.equal(outcome.kind, 'failed');
    assert.equal(outcome.exit.code, 1);
    assert.match(outcome.exit.stderr, /No such file or directory/);
  });

  it('tells a signal we did not send from a stop of our own', OPTIONS, async () => {
    const outcome = await signalledOnStart('SIGKILL', 60_000);
    assert.equal(outcome.kind, 'killed-by-signal');
    assert.equal(outcome.kind === 'killed-by-signal' && outcome.signal, 'SIGKILL');
  });
});

describe('StallWatch', () => {
  const at = (outTimeSeconds: number, frame = outTimeSeconds * 10): ProgressSnapshot => ({ outTimeSeconds, fps: 10, speed: 2, frame, done: false });

  it('measures silence from the last snapshot that moved forward', () => {
    const watch = new StallWatch(0);
    watch.report(at(1), 1_000);
    watch.report(at(1), 5_000);
    assert.equal(watch.silentForMs(61_000), 60_000);
    watch.report(at(2), 61_000);
    assert.equal(watch.silentForMs(61_500), 500);
  });

  it('counts a frame written as progress even when the output time stands still', () => {
    const watch = new StallWatch(0);
    watch.report(at(1, 10), 1_000);
    watch.report(at(1, 11), 3_000);
    assert.equal(watch.silentForMs(4_000), 1_000);
  });
});
