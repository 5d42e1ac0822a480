import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectedShown, outputProblem, shownProblem } from './output-verification';

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

describe('shownProblem: the output shows its picture as the source does', () => {
  const phone = { videoCodec: 'h264', width: 1920, height: 1080, rotation: 90 };

  it('holds an encode to what the source shows: upright, whatever its matrix', () => {
    const shown = expectedShown(phone, false);
    assert.deepEqual(shown, { orientation: 'portrait' });
    assert.equal(shownProblem({ videoCodec: 'h264', width: 404, height: 720, rotation: 0 }, shown), undefined);
    assert.equal(
      shownProblem({ videoCodec: 'h264', width: 1280, height: 720, rotation: 0 }, shown),
      "the output's picture is landscape (1280×720 as shown, its display matrix turning it 0°), the source's portrait",
    );
  });

  it('holds a stream copy to the same display matrix, which shows no other difference on a half turn', () => {
    const shown = expectedShown({ ...phone, rotation: 180 }, true);
    assert.equal(shownProblem({ ...phone, rotation: 180 }, shown), undefined);
    assert.equal(
      shownProblem({ ...phone, rotation: 0 }, shown),
      "the copied picture is turned 0° (1920×1080 as shown, its display matrix turning it 0°), the source's 180°",
    );
    assert.match(shownProblem({ ...phone, rotation: 0 }, expectedShown(phone, true)) ?? '', /picture is landscape .* the source's portrait/);
  });

  it('refuses a sideways output before it is published (outputProblem)', () => {
    const expected = { hasVideo: true, hasAudio: false, expectedDuration: 2, atLeast: false, shown: expectedShown(phone, true) };
    assert.match(outputProblem({ ...video, width: 1920, height: 1080, duration: 2 }, expected) ?? '', /landscape/);
    assert.equal(outputProblem({ ...video, ...phone, duration: 2 }, expected), undefined);
  });
});
