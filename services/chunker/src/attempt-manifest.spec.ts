import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AttemptManifest, earlierChunkDuration, reusable } from './attempt-manifest';

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
