import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extendSpan, measureTail, type ProgressSpan } from './tail-measure';

/** An encode's reports: [ms, seconds encoded]. */
function span(...reports: Array<[number, number]>): ProgressSpan | undefined {
  return reports.reduce<ProgressSpan | undefined>((s, [at, seconds]) => extendSpan(s, at, seconds), undefined);
}

describe('measureTail', () => {
  // Four segments (indices 0–3) queued at t = 1000 ms; the audio is index 4.
  const at = { count: 4, queuedAt: 1_000, audioDoneAt: 3_000 };

  it("takes the audio's lag from the first video encode's start, and the running encodes' rate between their reports", () => {
    const firstHeard = new Map([
      [0, 1_100],
      [1, 1_200],
      [4, 1_050],
    ]);
    const spans = new Map([
      // Started at 1.1 s, first encoded time reported at 1.6 s: 3 s of media a second from then on.
      [0, span([1_600, 0.5], [2_100, 2], [2_600, 3.5])!],
      [1, span([1_700, 0.4], [2_700, 2.9])!],
      [4, span([1_500, 20], [2_500, 60])!],
    ]);
    const measured = measureTail(firstHeard, spans, at);
    assert.equal(measured.lagSeconds, 1.9);
    assert.equal(measured.speed, 2.75);
  });

  it('counts from the queueing before any video encode was heard of, and knows no speed then', () => {
    const measured = measureTail(new Map([[4, 1_050]]), new Map([[4, span([1_500, 20], [2_500, 60])!]]), at);
    assert.deepEqual(measured, { lagSeconds: 2, speed: 0 });
  });

  it('takes no rate from reports too close together, or from reports of nothing encoded', () => {
    const spans = new Map([
      [0, span([1_600, 0], [2_000, 1], [2_200, 1.6])!],
      [1, span([1_700, 0.4], [2_700, 2.4])!],
    ]);
    assert.equal(measureTail(new Map([[0, 1_100]]), spans, at).speed, 2);
  });
});
