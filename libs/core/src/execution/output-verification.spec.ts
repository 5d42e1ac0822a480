import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outputProblem } from './output-verification';

const video = { videoCodec: 'h264', audioCodec: '', framerate: 25 };
const both = { ...video, audioCodec: 'aac' };
const audio = { videoCodec: '', audioCodec: 'mp3', framerate: 0 };

describe('outputProblem', () => {
  const expectVideo = { hasVideo: true, hasAudio: false, expectedDuration: 2, atLeast: false };

  it('accepts a video within one frame (1/fps) of the expected duration', () => {
    assert.equal(outputProblem({ ...video, duration: 2.039 }, expectVideo), undefined);
    assert.equal(outputProblem({ ...video, duration: 1.961 }, expectVideo), undefined);
  });

  it('refuses a video more than one frame off', () => {
    assert.equal(outputProblem({ ...video, duration: 2.05 }, expectVideo), 'the output lasts 2.05 s, expected 2 ± 0.04 s');
    assert.match(outputProblem({ ...video, duration: 1.2 }, expectVideo) ?? '', /lasts 1.2 s/);
  });

  it('gives a file with sound the audio tolerance (whole audio frames and padding)', () => {
    const expected = { ...expectVideo, hasAudio: true };
    assert.equal(outputProblem({ ...both, duration: 2.06 }, expected), undefined);
    assert.match(outputProblem({ ...both, duration: 2.2 }, expected) ?? '', /expected 2 ± 0.1 s/);
    assert.equal(outputProblem({ ...audio, duration: 2.06 }, { ...expected, hasVideo: false }), undefined);
  });

  it('takes the duration of a stream copy trimmed at its start as a lower bound', () => {
    const expected = { ...expectVideo, atLeast: true };
    assert.equal(outputProblem({ ...video, duration: 2.9 }, expected), undefined);
    assert.equal(outputProblem({ ...video, duration: 1.5 }, expected), 'the output lasts 1.5 s, expected at least 2 s');
  });

  it('refuses missing or unexpected streams', () => {
    assert.equal(outputProblem({ ...video, duration: 2 }, { ...expectVideo, hasAudio: true }), 'the output has no audio stream');
    assert.equal(outputProblem({ ...audio, duration: 2 }, expectVideo), 'the output has no video stream');
    assert.equal(outputProblem({ ...both, duration: 2 }, expectVideo), 'the output has an unexpected audio stream');
  });
});
