import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../errors/domain.errors';
import { type ChunkPlan, chunkTargets, defaultChunkDuration, moveLastBoundary, planChunks, tailBoundaryTarget } from './chunk.planner';

/** [start, end] of each segment. */
function spans(plan: ChunkPlan): Array<[number, number]> {
  return plan.segments.map((s) => [s.start, s.end]);
}

function assertCovers(plan: ChunkPlan, start: number, end: number): void {
  plan.segments.forEach((s, i) => {
    assert.equal(s.index, i);
    assert.equal(s.duration, Math.round((s.end - s.start) * 1e6) / 1e6);
    if (i > 0) assert.equal(s.start, plan.segments[i - 1].end, 'no gap, no overlap');
  });
  assert.equal(plan.segments[0].start, start);
  assert.equal(plan.segments.at(-1)?.end, end);
  const sum = plan.segments.reduce((total, s) => total + s.duration, 0);
  assert.equal(Math.round(sum * 1e6) / 1e6, Math.round((end - start) * 1e6) / 1e6);
}

describe('defaultChunkDuration', () => {
  it('is 10 s up to 160 s, range/16 above, at most 120 s', () => {
    assert.deepEqual(
      [6, 60, 160, 320, 1000, 7200].map((range) => defaultChunkDuration(range)),
      [10, 10, 10, 20, 63, 120],
    );
  });

  it('gives the workers about two segments each, 5 s to 120 s long', () => {
    assert.deepEqual(
      [1, 2, 4, 8].map((workers) => defaultChunkDuration(60, workers)),
      [30, 15, 8, 5],
    );
    assert.equal(defaultChunkDuration(7200, 4), 120);
    assert.equal(defaultChunkDuration(6, 2), 5);
    // Not a worker count: the range alone decides.
    assert.equal(defaultChunkDuration(60, 0), 10);
  });

  it('plans the 60 s of the bench into 2, 4 and 8 segments for 1, 2 and 4 workers', () => {
    const counts = [1, 2, 4].map((workers) => planChunks({ duration: 60, fps: 30, streamCopy: false, workers }).segments.length);
    assert.deepEqual(counts, [2, 4, 8]);
    assert.deepEqual(chunkTargets({ duration: 60, fps: 30, workers: 2 }), [15, 30, 45]);
  });
});

describe('planChunks', () => {
  it('cuts the range into chunks of the asked length', () => {
    const plan = planChunks({ duration: 6, chunkDuration: 2, fps: 25, streamCopy: false });
    assert.deepEqual(plan, {
      chunkDuration: 2,
      segments: [
        { index: 0, start: 0, end: 2, duration: 2 },
        { index: 1, start: 2, end: 4, duration: 2 },
        { index: 2, start: 4, end: 6, duration: 2 },
      ],
    });
  });

  it('keeps a remainder of at least half a chunk as the last segment', () => {
    const plan = planChunks({ duration: 7, chunkDuration: 2, fps: 25, streamCopy: false });
    assert.deepEqual(spans(plan), [
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 7],
    ]);
  });

  it('merges a tiny remainder into the last segment', () => {
    const plan = planChunks({ duration: 6.9, chunkDuration: 2, fps: 25, streamCopy: false });
    assert.deepEqual(spans(plan), [
      [0, 2],
      [2, 4],
      [4, 6.9],
    ]);
    assertCovers(plan, 0, 6.9);
  });

  it('is one segment when the range is shorter than 1.5 chunks', () => {
    const plan = planChunks({ duration: 12, fps: 30, streamCopy: false });
    assert.deepEqual(plan, { chunkDuration: 10, segments: [{ index: 0, start: 0, end: 12, duration: 12 }] });
  });

  it('plans only the trimmed range, with boundaries on the source frames', () => {
    const plan = planChunks({ duration: 60, trimStart: 10.02, trimEnd: 20.5, chunkDuration: 3.33, fps: 10, streamCopy: false });
    // 10.02 + 3.33 = 13.35 → the frame at 13.4 (10 fps); 13.4 + 3.33 → 16.7; the rest, 3.8 s, is < 1.5 chunks.
    assert.deepEqual(spans(plan), [
      [10.02, 13.4],
      [13.4, 16.7],
      [16.7, 20.5],
    ]);
    assertCovers(plan, 10.02, 20.5);
  });

  it('puts boundaries on 29.97 fps frames and still sums to the range', () => {
    const fps = 30000 / 1001;
    const plan = planChunks({ duration: 10, chunkDuration: 1, fps, streamCopy: false });
    for (const s of plan.segments.slice(1)) {
      const frames = s.start * fps;
      assert.ok(Math.abs(frames - Math.round(frames)) < 1e-4, `${s.start} is a frame time`);
    }
    assertCovers(plan, 0, 10);
  });

  it('clamps a trimEnd past the source to its end, as a single-pass encode does', () => {
    assert.deepEqual(spans(planChunks({ duration: 5, trimEnd: 9, chunkDuration: 2, fps: 25, streamCopy: false })), [
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
  });

  it('snaps boundaries to the nearest keyframes', () => {
    const keyframes = [0, 2.5, 4.1, 7.9, 12, 16];
    const plan = planChunks({ duration: 20, chunkDuration: 4, keyframes, fps: 10, streamCopy: true });
    // 4 → 4.1; 8.1 → 7.9; 11.9 → 12; 16 → 16, then 4 s remain (< 6).
    assert.deepEqual(spans(plan), [
      [0, 4.1],
      [4.1, 7.9],
      [7.9, 12],
      [12, 16],
      [16, 20],
    ]);
    assertCovers(plan, 0, 20);
  });

  it('never cuts at a keyframe at or before the current boundary, nor within a frame of the end', () => {
    const plan = planChunks({ duration: 10, trimStart: 3, chunkDuration: 2, keyframes: [0, 3, 9.98], fps: 50, streamCopy: true });
    assert.deepEqual(spans(plan), [[3, 10]]);
  });

  it('stays one segment when a stream-copy source has a single keyframe', () => {
    assert.deepEqual(spans(planChunks({ duration: 30, chunkDuration: 5, keyframes: [0], fps: 25, streamCopy: true })), [[0, 30]]);
  });

  it('never puts a boundary on the first keyframe: a video starting after the audio leaves no empty first segment', () => {
    // Real MPEG-TS copied into MP4 (mux.js's sintel): audio from 0, the video's first keyframe at 0.119 s.
    const plan = planChunks({ duration: 10.119, chunkDuration: 1, keyframes: [0.119, 3.035667], fps: 24, streamCopy: true });
    assert.deepEqual(spans(plan), [
      [0, 3.041667],
      [3.041667, 10.119],
    ]);
  });

  it('needs keyframes to plan a stream-copy split', () => {
    assert.throws(() => planChunks({ duration: 30, fps: 25, streamCopy: true }), /keyframes are required/);
  });

  it('refuses a chunkDuration <= 0 and a range outside the source', () => {
    const base = { duration: 10, fps: 25, streamCopy: false };
    for (const chunkDuration of [0, -1, Number.NaN]) {
      assert.throws(
        () => planChunks({ ...base, chunkDuration }),
        (err) => err instanceof ValidationError && err.field === 'chunkDuration',
      );
    }
    assert.throws(
      () => planChunks({ ...base, trimStart: 10 }),
      (err) => err instanceof ValidationError && err.field === 'trimStart',
    );
    assert.throws(
      () => planChunks({ ...base, trimStart: -1 }),
      (err) => err instanceof ValidationError && err.field === 'trimStart',
    );
    assert.throws(
      () => planChunks({ ...base, trimStart: 4, trimEnd: 4 }),
      (err) => err instanceof ValidationError && err.field === 'trimEnd',
    );
  });
});

describe('chunkTargets', () => {
  it('is every chunkDuration from the range start, on frames, while half a chunk or more remains', () => {
    assert.deepEqual(chunkTargets({ duration: 60, chunkDuration: 8, fps: 30 }), [8, 16, 24, 32, 40, 48, 56]);
    assert.deepEqual(chunkTargets({ duration: 6, trimStart: 0.52, trimEnd: 5.2, chunkDuration: 1.6, fps: 25 }), [2.12, 3.72]);
    assert.deepEqual(chunkTargets({ duration: 3, chunkDuration: 8, fps: 25 }), []);
  });
});

describe('tailBoundaryTarget', () => {
  // The bench's plan for two workers: 4 × 15 s.
  const plan = planChunks({ duration: 60, fps: 30, streamCopy: false, workers: 2 });

  it('moves the last boundary by half the video the audio worker could not encode meanwhile', () => {
    // 1.9 s on the audio at 2.7 s of media per second: 5.13 s behind, half of it each way.
    assert.equal(tailBoundaryTarget(plan, 1.9, 2.7, 30), 45 + 2.565);
  });

  it('moves it at most half the last segment', () => {
    assert.equal(tailBoundaryTarget(plan, 20, 3, 30), 52.5);
  });

  it('leaves the plan alone when the lag is under two frames, unknown, or there is one segment', () => {
    assert.equal(tailBoundaryTarget(plan, 0.01, 2, 30), undefined);
    assert.equal(tailBoundaryTarget(plan, 2, 0, 30), undefined);
    assert.equal(tailBoundaryTarget(plan, Number.NaN, 2, 30), undefined);
    assert.equal(tailBoundaryTarget(planChunks({ duration: 10, fps: 30, streamCopy: false, chunkDuration: 10 }), 2, 2, 30), undefined);
  });
});

describe('moveLastBoundary', () => {
  const keyframes = Array.from({ length: 60 }, (_, i) => i);
  const plan = planChunks({ duration: 60, fps: 30, streamCopy: true, keyframes, workers: 2 });

  it('moves the boundary to the keyframe nearest the target, the rest untouched', () => {
    const moved = moveLastBoundary(plan, 47.4, 30, keyframes);
    assert.deepEqual(spans(moved), [
      [0, 15],
      [15, 30],
      [30, 47],
      [47, 60],
    ]);
    assertCovers(moved, 0, 60);
    assert.equal(moved.chunkDuration, plan.chunkDuration);
  });

  it('without keyframes, to the frame nearest the target', () => {
    const plain = planChunks({ duration: 60, fps: 30, streamCopy: false, workers: 2 });
    const moved = moveLastBoundary(plain, 47.51, 30);
    assert.deepEqual(moved.segments.at(-1)?.start, 47.5);
    assertCovers(moved, 0, 60);
  });

  it('keeps the plan when no keyframe lies between the two segments, or the nearest is where the boundary is', () => {
    assert.equal(moveLastBoundary(plan, 47.4, 30, [0, 15, 30, 45]), plan);
    assert.equal(moveLastBoundary(plan, 45.2, 30, keyframes), plan);
    assert.equal(moveLastBoundary(plan, 47, 30, [0, 15, 30, 45, 60]), plan);
  });
});
