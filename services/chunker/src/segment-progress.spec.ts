import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessSegments, type SegmentsSnapshot } from './segment-progress';

const SEGMENTS = [
  { index: 0, start: 0, end: 4, duration: 4 },
  { index: 1, start: 4, end: 8, duration: 4 },
];

function snapshot(fields: Partial<SegmentsSnapshot>): SegmentsSnapshot {
  return { segments: SEGMENTS, files: new Set(), encodedSeconds: new Map(), lastHeard: new Map(), now: 100_000, stallMs: 10_000, maxDeliver: 3, ...fields };
}

describe('assessSegments', () => {
  it('runs with the encoded share of the video, up to 95 %', () => {
    assert.deepEqual(assessSegments(snapshot({})), { state: 'running', percent: 0 });
    assert.deepEqual(assessSegments(snapshot({ files: new Set(['segment-000.mkv']), encodedSeconds: new Map([[1, 2]]) })), { state: 'running', percent: 71 });
  });

  it('is done once every segment is in place, and a queued audio too', () => {
    const files = new Set(['segment-000.mkv', 'segment-001.mkv']);
    assert.deepEqual(assessSegments(snapshot({ files })), { state: 'done' });
    assert.deepEqual(assessSegments(snapshot({ files, queuedAudio: 'audio.mp4' })), { state: 'running', percent: 95 });
    assert.deepEqual(assessSegments(snapshot({ files: new Set([...files, 'audio.mp4']), queuedAudio: 'audio.mp4' })), { state: 'done' });
  });

  it("fails for good on an encode's .failed marker, naming the marker to read the reason from", () => {
    assert.deepEqual(assessSegments(snapshot({ files: new Set(['segment-001.failed']) })), {
      state: 'failed',
      retryable: false,
      reason: 'segment 1 failed 3 times',
      marker: 'segment-001.failed',
    });
    assert.deepEqual(assessSegments(snapshot({ files: new Set(['audio.failed']), queuedAudio: 'audio.mp4' })), {
      state: 'failed',
      retryable: false,
      reason: 'the audio failed 3 times',
      marker: 'audio.failed',
    });
  });

  it('fails retryably for an item whose workers all died, unless its file made it', () => {
    assert.deepEqual(assessSegments(snapshot({ exhausted: { index: 1, audio: false } })), {
      state: 'failed',
      retryable: true,
      reason: 'segment 1 was taken 3 times and never finished: the workers encoding it stopped',
    });
    assert.equal(assessSegments(snapshot({ exhausted: { index: 1, audio: false }, files: new Set(['segment-001.mkv']) })).state, 'running');
    assert.match(
      String((assessSegments(snapshot({ exhausted: { index: 2, audio: true }, queuedAudio: 'audio.mp4' })) as { reason: string }).reason),
      /^the audio was taken 3 times/,
    );
  });

  it('fails retryably for a started item silent past the stall timeout, not for one that finished or spoke lately', () => {
    assert.deepEqual(assessSegments(snapshot({ lastHeard: new Map([[0, 89_000]]) })), {
      state: 'failed',
      retryable: true,
      reason: 'segment 0 reported nothing for 10 s: its encode is stuck',
    });
    assert.equal(assessSegments(snapshot({ lastHeard: new Map([[0, 91_000]]) })).state, 'running');
    assert.equal(assessSegments(snapshot({ lastHeard: new Map([[0, 89_000]]), files: new Set(['segment-000.mkv']) })).state, 'running');
    assert.match(
      String((assessSegments(snapshot({ lastHeard: new Map([[2, 0]]), queuedAudio: 'audio.mp4' })) as { reason: string }).reason),
      /^the audio encode reported nothing/,
    );
  });
});
