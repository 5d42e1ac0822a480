import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../errors/domain.errors';
import { UnsupportedCombination } from '../ffmpeg/transcode.errors';
import { audioTimedBySamples, checkTrim, cutsEnd, framesIn, keptStreams, rangeContents, sourceRange } from './source-range';

const H264 = { name: 'H.264 720p', videoCodec: 'libx264', audioCodec: 'aac' };
const MP3 = { name: 'MP3 192k', videoCodec: '', audioCodec: 'libmp3lame' };
const REMUX = { name: 'Remux (stream copy)', videoCodec: 'copy', audioCodec: 'copy' };

/** A 5.568 s MP4 whose AAC audio outlasts its 166 frames of 30 fps video by 35 ms (probed per stream). */
const AUDIO_LONGER = { duration: 5.568, videoCodec: 'h264', audioCodec: 'aac', framerate: 30, videoStart: 0, videoEnd: 5.533333, audioStart: 0, audioEnd: 5.568 };
/** An AVI whose MP3 audio (1.128 s) stops before its 1.601 s of video. */
const AUDIO_SHORTER = { duration: 1.601, videoCodec: 'mpeg4', audioCodec: 'mp3', framerate: 25, videoStart: 0, videoEnd: 1.601, audioStart: 0, audioEnd: 1.128 };
/** The same file probed before the stream spans were recorded. */
const OLD_PROBE = { duration: 1.601, videoCodec: 'mpeg4', audioCodec: 'mp3', framerate: 25 };

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected a refusal');
}

describe('checkTrim (the trim on its own)', () => {
  it('given no trim or a proper one, when checked, then it passes', () => {
    assert.doesNotThrow(() => checkTrim({}));
    assert.doesNotThrow(() => checkTrim({ start: 0.5, end: 2 }));
    assert.doesNotThrow(() => checkTrim({ end: 99 }));
  });

  it('given a negative or non-finite start, when checked, then trimStart is refused', () => {
    for (const start of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const err = refusal(() => checkTrim({ start }));
      assert.ok(err instanceof ValidationError);
      assert.equal(err.field, 'trimStart');
      assert.equal(err.message, 'trimStart must be a number of seconds >= 0');
    }
  });

  it('given an end not after the start, when checked, then trimEnd is refused', () => {
    for (const trim of [{ start: 0.5, end: 0.2 }, { start: 1, end: 1 }, { end: 0 }, { end: Number.NaN }]) {
      const err = refusal(() => checkTrim(trim));
      assert.ok(err instanceof ValidationError && err.field === 'trimEnd', JSON.stringify(trim));
      assert.equal(err.message, 'trimEnd must be after trimStart');
    }
  });
});

describe('sourceRange', () => {
  it('given no trim, then the range is the whole source', () => {
    assert.deepEqual(sourceRange({}, 5.568), { start: 0, end: 5.568 });
  });

  it('given an end past the source, then the range ends with the source, in microseconds', () => {
    assert.deepEqual(sourceRange({ start: 0.2, end: 12 }, 1.3), { start: 0.2, end: 1.3 });
    assert.deepEqual(sourceRange({ start: 1e-7, end: 1 / 3 }, 2), { start: 0, end: 0.333333 });
  });

  it('given a start at or past the end of the source, then trimStart is refused with both times', () => {
    const err = refusal(() => sourceRange({ start: 4 }, 4));
    assert.ok(err instanceof ValidationError && err.field === 'trimStart');
    assert.equal(err.message, 'trimStart 4s is not before the end of the source (4s)');
  });
});

describe('cutsEnd', () => {
  it('given a range ending before the source does, then the encode stops at its end', () => {
    assert.equal(cutsEnd(sourceRange({ end: 1.2 }, 1.6), 1.6), true);
  });

  it('given a range to the end of the source, at it or past it, then the encode reads to the end, as the whole source', () => {
    for (const trim of [{}, { end: 1.6 }, { start: 0.4, end: 9 }]) assert.equal(cutsEnd(sourceRange(trim, 1.6), 1.6), false, JSON.stringify(trim));
    // The range is rounded to microseconds; the source's duration need not be.
    assert.equal(cutsEnd(sourceRange({}, 1.2538775), 1.2538775), false);
  });
});

describe('audioTimedBySamples', () => {
  it('given AVI, whose audio has no timestamps of its own, then its samples time it', () => {
    assert.equal(audioTimedBySamples('avi'), true);
    for (const container of ['mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm', 'flv', '', undefined]) assert.equal(audioTimedBySamples(container), false, container);
  });
});

describe('keptStreams', () => {
  it('given a preset and a source, then the output keeps what both have', () => {
    assert.deepEqual(keptStreams(H264, AUDIO_LONGER), { hasVideo: true, hasAudio: true });
    assert.deepEqual(keptStreams(MP3, AUDIO_LONGER), { hasVideo: false, hasAudio: true });
    assert.deepEqual(keptStreams(REMUX, { audioCodec: 'pcm_s16le' }), { hasVideo: false, hasAudio: true });
  });

  it('given a video preset on an audio-only source, then it is refused: the output would have no picture', () => {
    const err = refusal(() => keptStreams(H264, { videoCodec: '', audioCodec: 'pcm_s16le' }));
    assert.ok(err instanceof UnsupportedCombination);
    assert.equal(err.message, 'preset "H.264 720p" makes video, but the source has audio only: the output would have no picture; use an audio preset');
    // A stream copy copies what there is: the remux of a WAV is its audio in Matroska.
    assert.deepEqual(keptStreams(REMUX, { videoCodec: '', audioCodec: 'pcm_s16le' }), { hasVideo: false, hasAudio: true });
  });

  it('given an audio preset on a video-only source, then it is refused as an empty output', () => {
    const err = refusal(() => keptStreams(MP3, { videoCodec: 'h264', audioCodec: '' }));
    assert.ok(err instanceof UnsupportedCombination);
    assert.equal(err.message, 'preset "MP3 192k" makes audio, but the source has video only: the output would be empty');
  });
});

describe('rangeContents (what an output of the range holds)', () => {
  it('given audio 35 ms longer than the video, when the whole source is encoded, then the video holds its 166 frames and the output lasts as the audio', () => {
    const contents = rangeContents(AUDIO_LONGER, {}, H264);
    assert.deepEqual(contents, { range: { start: 0, end: 5.568 }, video: { start: 0, end: 5.533333 }, audio: { start: 0, end: 5.568 }, duration: 5.568 });
    assert.equal(framesIn(contents.video!, 30), 166);
  });

  it('given MP3 audio shorter than the video, when an audio preset encodes it, then the output lasts as the audio', () => {
    const contents = rangeContents(AUDIO_SHORTER, {}, MP3);
    assert.equal(contents.video, undefined);
    assert.deepEqual(contents.audio, { start: 0, end: 1.128 });
    assert.equal(contents.duration, 1.128);
  });

  it('given a trim, then each stream is cut to the range and the duration runs from its start', () => {
    const contents = rangeContents(AUDIO_SHORTER, { start: 0.5, end: 1.4 }, H264);
    assert.deepEqual([contents.video, contents.audio, contents.duration], [{ start: 0.5, end: 1.4 }, { start: 0.5, end: 1.128 }, 0.9]);
  });

  it('given a range past the end of the audio, when video is kept too, then the output has video only', () => {
    const contents = rangeContents(AUDIO_SHORTER, { start: 1.3 }, H264);
    assert.deepEqual([contents.video, contents.audio, contents.duration], [{ start: 1.3, end: 1.601 }, undefined, 0.301]);
  });

  it('given a range past the end of the audio, when only audio is kept, then it is refused naming where the audio lies', () => {
    const err = refusal(() => rangeContents(AUDIO_SHORTER, { start: 1.3 }, MP3));
    assert.ok(err instanceof ValidationError && err.field === 'trimStart');
    assert.equal(err.message, "the range 1.3–1.601 s holds no audio (the source's audio lies in 0–1.128 s)");
  });

  it('given an asset probed before the stream spans, then every kept stream spans the range, as the container says', () => {
    assert.deepEqual(rangeContents(OLD_PROBE, {}, MP3), { range: { start: 0, end: 1.601 }, video: undefined, audio: { start: 0, end: 1.601 }, duration: 1.601 });
    assert.equal(rangeContents(OLD_PROBE, { start: 0.2, end: 1 }, REMUX).duration, 0.8);
  });

  it('given audio decoded past the container duration, when the range reads to the end, then the audio runs to its own end; a cut stops it', () => {
    // A 3GP whose 16 kHz AAC declares 2 s and decodes to 2.048 s (its last frame whole)
    const phone = { duration: 2, videoCodec: 'h263', audioCodec: 'aac', framerate: 15, videoStart: 0, videoEnd: 2, audioStart: 0, audioEnd: 2.048 };
    const whole = rangeContents(phone, {}, H264);
    assert.deepEqual([whole.range, whole.video, whole.audio, whole.duration], [{ start: 0, end: 2 }, { start: 0, end: 2 }, { start: 0, end: 2.048 }, 2.048]);
    assert.deepEqual(rangeContents(phone, { start: 0.4 }, H264).audio, { start: 0.4, end: 2.048 });
    assert.deepEqual(rangeContents(phone, { start: 0.4, end: 1.6 }, H264).audio, { start: 0.4, end: 1.6 });
  });

  it('given what cannot work, then the refusal is the trim rule or the empty output, not a plan', () => {
    assert.throws(() => rangeContents(OLD_PROBE, { start: 2 }, H264), /trimStart 2s is not before the end of the source \(1.601s\)/);
    assert.throws(() => rangeContents({ duration: 3, videoCodec: 'h264', audioCodec: '' }, {}, MP3), UnsupportedCombination);
  });
});

describe('rangeContents on audio stamped past its samples (AVI)', () => {
  const AVI = { duration: 1.253878, container: 'avi', videoCodec: 'mpeg1video', audioCodec: 'mp3', videoStart: 0, videoEnd: 0.8, audioStart: 0, audioEnd: 1.201635, audioStampedEnd: 2.351021 };
  const REMUX = { name: 'Remux (MKV)', videoCodec: 'copy', audioCodec: 'copy' };

  it('given a stream copy of that audio, whole or trimmed, then it is refused naming both lengths and the way out', () => {
    for (const trim of [{}, { start: 0.25, end: 1 }]) {
      assert.throws(
        () => rangeContents(AVI, trim, REMUX),
        (e) =>
          e instanceof UnsupportedCombination &&
          e.message ===
            'preset "Remux (MKV)" copies the audio, but the source\'s mp3 audio is stamped over 2.351021 s for 1.201635 s of sound (an AVI whose demuxer counts each chunk as more than one frame): a stream copy would keep those timestamps and play gaps; use a preset that encodes the audio',
      );
    }
  });

  it('given an encode of it, or a copy of the video alone, then the output lasts as its samples', () => {
    assert.equal(rangeContents(AVI, {}, { name: 'AAC', audioCodec: 'aac' }).duration, 1.201635);
    assert.deepStrictEqual(rangeContents(AVI, {}, { name: 'video copy', videoCodec: 'copy', audioCodec: '' }).video, { start: 0, end: 0.8 });
    assert.equal(rangeContents({ ...AVI, audioStampedEnd: undefined }, {}, REMUX).duration, 1.201635);
  });
});

describe('framesIn', () => {
  it('counts the frames whose time k/fps lies in [start, end)', () => {
    assert.equal(framesIn({ start: 0, end: 6 }, 25), 150);
    assert.equal(framesIn({ start: 0.52, end: 5.2 }, 25), 117);
    assert.equal(framesIn({ start: 0, end: 5.533333 }, 30), 166);
  });

  it("given the source's frame times, counts those in [start, end) whatever the rate says", () => {
    // A variable-rate WebM: 6 of every 10 frames of 25 fps kept, 30 frames in 2 s (its 23 fps would say 46)
    const frames = Array.from({ length: 50 }, (_, n) => n)
      .filter((n) => n % 10 < 6)
      .map((n) => Math.round((0.014 + n * 0.04) * 1e6) / 1e6);
    assert.equal(framesIn({ start: 0, end: 2.008 }, 23, frames), 30);
    // A frame at the start is in, one at the end is out, as ffmpeg's -ss and -t cut
    assert.equal(framesIn({ start: 0.414, end: 1.614 }, 23, frames), 18);
    assert.equal(framesIn({ start: 0.4016, end: 1.6064 }, 23, frames), 18);
    assert.equal(framesIn({ start: 0.414001, end: 1.614001 }, 23, frames), 18);
    assert.equal(framesIn({ start: 0, end: 0.2 }, 23, []), 0);
  });
});
