import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inputClockStart, seeksOnInput } from './seek-policy';

describe('seeksOnInput', () => {
  it('seeks containers with a keyframe index on the input', () => {
    for (const container of ['mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm', 'avi', 'flv', 'asf', 'ogg', 'wav', undefined]) {
      assert.equal(seeksOnInput(container), true, String(container));
    }
  });

  it('cuts MPEG-TS and MPEG-PS on the output side: their demuxers seek by byte position, onto any packet', () => {
    for (const container of ['mpegts', 'mpeg']) assert.equal(seeksOnInput(container), false, container);
  });
});

describe('inputClockStart', () => {
  const both = { hasVideo: true, hasAudio: true };
  const video = { hasVideo: true, hasAudio: false };
  it('is where the earliest mapped stream of an MPEG-TS/PS begins: ffmpeg counts its clock from the streams it uses', () => {
    const ts = { container: 'mpegts', videoStart: 0.119, audioStart: 0 };
    assert.equal(inputClockStart(ts, both), 0);
    assert.equal(inputClockStart(ts, video), 0.119);
    assert.equal(inputClockStart({ ...ts, container: 'mpeg' }, { hasVideo: false, hasAudio: true }), 0);
    assert.equal(inputClockStart({ container: 'mpegts' }, video), 0, 'no spans probed: the file start');
  });

  it("is the file's start for every other container, whatever is mapped", () => {
    assert.equal(inputClockStart({ container: 'matroska,webm', videoStart: 0.021, audioStart: 0 }, video), 0);
  });
});
