import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayedSize, normalRotation, orientationOf, outputContainer } from './display-rotation';

describe('display rotation', () => {
  it("normalises ffprobe's rotation to a quarter turn in 0..270", () => {
    assert.deepEqual([undefined, 0, 90, -90, 180, -180, 270, 360, 89.99, Number.NaN].map(normalRotation), [0, 0, 90, 270, 180, 180, 270, 0, 90, 0]);
  });

  it('shows a quarter-turned picture with its sides swapped', () => {
    assert.deepEqual(displayedSize({ width: 1920, height: 1080, rotation: 90 }), { width: 1080, height: 1920 });
    assert.deepEqual(displayedSize({ width: 1920, height: 1080, rotation: 180 }), { width: 1920, height: 1080 });
    assert.equal(orientationOf({ width: 160, height: 90, rotation: 270 }), 'portrait');
    assert.equal(orientationOf({ width: 160, height: 90 }), 'landscape');
    assert.equal(orientationOf({ width: 90, height: 90, rotation: 90 }), 'square');
  });

  it('writes a stream copy of a rotated video as MOV when the preset container keeps no display matrix', () => {
    const remux = { container: 'mkv', videoCodec: 'copy' } as const;
    assert.equal(outputContainer(remux, { rotation: 90 }), 'mov');
    assert.equal(outputContainer({ container: 'webm', videoCodec: 'copy' }, { rotation: 180 }), 'mov');
    assert.equal(outputContainer(remux, { rotation: 0 }), 'mkv');
    assert.equal(outputContainer(remux, {}), 'mkv');
    assert.equal(outputContainer({ container: 'mp4', videoCodec: 'copy' }, { rotation: 90 }), 'mp4');
    // An encode turns the picture upright itself (ffmpeg's autorotate): its container is the preset's.
    assert.equal(outputContainer({ container: 'mkv', videoCodec: 'libx264' }, { rotation: 90 }), 'mkv');
  });
});
