import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProgressSnapshot } from '@mpr/core';
import { ProgressReporter } from './progress.reporter';

function recorder() {
  const published: Array<{ percent?: number; etaSeconds?: number; currentTime?: number }> = [];
  const milestones: number[] = [];
  const sinks = {
    publish: async (p: (typeof published)[number]) => void published.push(p),
    milestone: async (percent: number) => void milestones.push(percent),
    onError: (what: string, err: Error) => assert.fail(`${what}: ${err.message}`),
  };
  return { published, milestones, sinks };
}

const at = (outTimeSeconds: number, frame = outTimeSeconds * 10): ProgressSnapshot => ({ outTimeSeconds, fps: 10, speed: 2, frame, done: false });

describe('ProgressReporter', () => {
  it('publishes every snapshot, with the percent of the expected duration and the time left', async () => {
    const { published, sinks } = recorder();
    const reporter = new ProgressReporter('j-1', 1, 10, sinks);
    reporter.report(at(2));
    reporter.report(at(5));
    await reporter.flush();
    assert.deepEqual(
      published.map((p) => [p.percent, p.etaSeconds, p.currentTime]),
      [
        [20, 4, 2],
        [50, 2.5, 5],
      ],
    );
  });

  it('says whether ffmpeg has produced any output, which a stall with none makes final', () => {
    const { sinks } = recorder();
    const reporter = new ProgressReporter('j-1', 1, 10, sinks);
    assert.equal(reporter.producedOutput, false, 'nothing reported yet');
    reporter.report(at(0, 0));
    assert.equal(reporter.producedOutput, false, 'frame=0 out_time=0 is no output');
    reporter.report(at(0, 1));
    assert.equal(reporter.producedOutput, true, 'a first frame');
    const audio = new ProgressReporter('j-2', 1, 10, sinks);
    audio.report(at(0.5, 0));
    assert.equal(audio.producedOutput, true, 'audio time without frames');
  });

  it('records a milestone each time the percent passes a multiple of 10, once', async () => {
    const { milestones, sinks } = recorder();
    const reporter = new ProgressReporter('j-1', 1, 10, sinks);
    for (const t of [0, 0.5, 1.2, 1.9, 3.4, 3.5, 10]) reporter.report(at(t));
    await reporter.flush();
    assert.deepEqual(milestones, [10, 30, 100]);
  });

  it('ends with 100 % once the output is complete', async () => {
    const { published, sinks } = recorder();
    const reporter = new ProgressReporter('j-1', 1, 10, sinks);
    reporter.report(at(9.9));
    reporter.finish();
    await reporter.flush();
    assert.deepEqual(published.at(-1), { jobId: 'j-1', attempt: 1, percent: 100, fps: 10, speed: 2, currentTime: 10, etaSeconds: 0 });
  });
});
