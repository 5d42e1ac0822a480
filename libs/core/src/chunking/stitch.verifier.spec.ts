import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectedStitch, readStitchFacts, verifyStitch } from './stitch.verifier';

/** ffprobe 5.1's answer for a 6 s MP4 (H.264 25 fps, AAC 48 kHz), from a real run. */
const MP4_PROBE = {
  streams: [
    { codec_type: 'video', time_base: '1/12800', duration_ts: 76800, duration: '6.000000', nb_read_packets: '150' },
    { codec_type: 'audio', sample_rate: '48000', time_base: '1/48000', duration_ts: 288768, duration: '6.016000', nb_read_packets: '283' },
  ],
  format: { duration: '6.016000' },
};
const EXPECTED = expectedStitch({ start: 0, end: 6, fps: 25, audioSampleRate: 48000, audioCodec: 'aac', hasVideo: true });

describe('expectedStitch', () => {
  it('counts the frames whose time lies in the range, as a single pass cuts them', () => {
    assert.deepEqual(EXPECTED, { videoFrames: 150, duration: 6, audioSamples: 288000, frameDuration: 0.04, audioFrameSamples: 1024 });
    assert.equal(expectedStitch({ start: 0.52, end: 5.2, fps: 25, hasVideo: true }).videoFrames, 117);
  });

  it('counts the frames the video holds and the samples the audio holds, when one stream ends before the other', () => {
    // Given a 5.568 s source whose 166 frames of video end 35 ms before its audio
    const expected = expectedStitch({
      start: 0,
      end: 5.568,
      video: { start: 0, end: 5.533333 },
      audio: { start: 0, end: 5.568 },
      fps: 30,
      audioSampleRate: 48000,
      audioCodec: 'aac',
      hasVideo: true,
    });
    // Then the 166 frames are expected, and the output lasts as its audio
    assert.deepEqual([expected.videoFrames, expected.audioSamples, expected.duration], [166, 267264, 5.568]);
    // And audio that ends before the video (MP3 in AVI) is expected to end there, the output lasting as the video
    const short = expectedStitch({ start: 0, end: 1.6, audio: { start: 0, end: 1.128 }, fps: 25, audioSampleRate: 48000, hasVideo: true });
    assert.deepEqual([short.videoFrames, short.audioSamples, short.duration], [40, 54144, 1.6]);
  });

  it("counts the source's own frames in the range when the output keeps them (no preset rate)", () => {
    // Given a variable-rate source whose 5 frames in 0–0.5 s are not 0.5 s at its average 20 fps
    const sourceFrames = [0, 0.04, 0.08, 0.32, 0.36, 0.6];
    const expected = expectedStitch({ start: 0, end: 0.5, fps: 20, sourceFrames, hasVideo: true });
    assert.equal(expected.videoFrames, 5);
    assert.equal(expectedStitch({ start: 0.04, end: 0.36, fps: 20, sourceFrames, hasVideo: true }).videoFrames, 3);
  });
});

describe('readStitchFacts', () => {
  it('reads frames, duration and the exact MP4 sample count', () => {
    assert.deepEqual(readStitchFacts(MP4_PROBE), { videoFrames: 150, duration: 6.016, audioSamples: 288768 });
  });

  it("falls back to Matroska's DURATION tag", () => {
    const mkv = {
      streams: [{ codec_type: 'audio', sample_rate: '48000', time_base: '1/1000', tags: { DURATION: '00:00:06.037000000' } }],
      format: { duration: '6.037000' },
    };
    assert.deepEqual(readStitchFacts(mkv), { videoFrames: undefined, duration: 6.037, audioSamples: 289776 });
    // The tag is where the stream ends: audio laid 0.092 s in (WMA's first decoded frame) lasts that less; a
    // negative start (Opus pre-skip) is priming the tag includes.
    const late = (start_time: string) => ({ streams: [{ ...mkv.streams[0], start_time }], format: mkv.format });
    assert.equal(readStitchFacts(late('0.092000')).audioSamples, 289776 - 4416);
    assert.equal(readStitchFacts(late('-0.007000')).audioSamples, 289776);
  });
});

describe('verifyStitch', () => {
  it('accepts an output within one frame and one audio frame', () => {
    assert.deepEqual(verifyStitch(readStitchFacts(MP4_PROBE), EXPECTED), { ok: true });
  });

  it('gives every reason an output is refused', () => {
    assert.deepEqual(verifyStitch({ videoFrames: 148, duration: 5.9, audioSamples: 286000 }, EXPECTED), {
      ok: false,
      reasons: ['148 video frames, expected 150 (±1)', 'duration 5.9s, expected 6s (±0.04s)', '286000 audio samples, expected 288000 (±1024)'],
    });
    assert.deepEqual(verifyStitch({ duration: 6 }, EXPECTED), {
      ok: false,
      reasons: ['the output has no video', 'the output has no audio, or its length is unknown'],
    });
  });
});
