import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adoptRebalancedTail, type AttemptManifest, earlierChunkDuration, reusable } from './attempt-manifest';

const current: AttemptManifest = {
  presetVersion: 12,
  inputs: 'seek',
  audio: true,
  segments: [
    { index: 0, start: 0, end: 2, duration: 2 },
    { index: 1, start: 2, end: 4, duration: 2 },
  ],
};

describe('reusable', () => {
  it("takes over an earlier attempt's files only when they were made the same way", () => {
    assert.equal(reusable(JSON.parse(JSON.stringify(current)), current), true);
    assert.equal(reusable({ ...current, presetVersion: 13 }, current), false, 'the preset was edited in between');
    assert.equal(reusable({ ...current, inputs: 'pieces' }, current), false);
    assert.equal(reusable({ ...current, audio: false }, current), false);
    assert.equal(reusable({ ...current, segments: current.segments.slice(0, 1) }, current), false);
    assert.equal(reusable({ ...current, segments: [current.segments[0], { index: 1, start: 2.04, end: 4, duration: 1.96 }] }, current), false);
    assert.equal(reusable(undefined, current), false);
    assert.equal(reusable('not json', current), false);
  });
});

describe('earlierChunkDuration', () => {
  it('is the chunk length a manifest says it was planned with, if it says', () => {
    assert.equal(earlierChunkDuration({ ...current, chunkDuration: 15 }), 15);
    assert.equal(earlierChunkDuration(current), undefined);
    assert.equal(earlierChunkDuration({ ...current, chunkDuration: -1 }), undefined);
    assert.equal(earlierChunkDuration({ chunkDuration: '15' }), undefined);
    assert.equal(earlierChunkDuration(null), undefined);
  });
});

describe('adoptRebalancedTail', () => {
  const seg = (index: number, start: number, end: number) => ({ index, start, end, duration: end - start });
  const fresh = { chunkDuration: 15, segments: [seg(0, 0, 15), seg(1, 15, 30), seg(2, 30, 45), seg(3, 45, 60)] };
  const moved = [seg(0, 0, 15), seg(1, 15, 30), seg(2, 30, 47), seg(3, 47, 60)];

  it("plans a retry with its lost attempt's moved tail, so its finished segments are taken over", () => {
    const adopted = adoptRebalancedTail({ ...current, segments: moved, rebalanced: true }, fresh);
    assert.deepEqual(adopted?.segments, moved);
    assert.equal(adopted?.chunkDuration, 15);
  });

  it('plans afresh when the lost attempt did not move its tail, or planned anything else differently', () => {
    assert.equal(adoptRebalancedTail({ ...current, segments: moved }, fresh), undefined);
    assert.equal(adoptRebalancedTail({ ...current, segments: [seg(0, 0, 16), ...moved.slice(1)], rebalanced: true }, fresh), undefined);
    assert.equal(adoptRebalancedTail({ ...current, segments: [...moved.slice(0, 3), seg(3, 47, 59)], rebalanced: true }, fresh), undefined);
    assert.equal(adoptRebalancedTail({ ...current, segments: moved.slice(1), rebalanced: true }, fresh), undefined);
    assert.equal(adoptRebalancedTail(null, fresh), undefined);
  });
});
