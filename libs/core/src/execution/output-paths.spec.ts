import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTempFileOf, tempPathFor, withJobSuffix } from './output-paths';

describe('output paths', () => {
  it('writes an attempt to a hidden file next to the output, named after the job and attempt', () => {
    assert.equal(tempPathFor('clips/a.mp4', 'j-1', 2), 'clips/.a.mp4.j-1-a2.part');
    assert.equal(tempPathFor('a.mp4', 'j-1', 1), '.a.mp4.j-1-a1.part');
  });

  it("recognizes the temporary files of every attempt of this job's output, and only those", () => {
    assert.equal(isTempFileOf('.a.mp4.j-1-a1.part', 'clips/a.mp4', 'j-1'), true);
    assert.equal(isTempFileOf('.a.mp4.j-1-a12.part', 'clips/a.mp4', 'j-1'), true);
    assert.equal(isTempFileOf('.a.mp4.j-10-a1.part', 'clips/a.mp4', 'j-1'), false);
    assert.equal(isTempFileOf('.b.mp4.j-1-a1.part', 'clips/a.mp4', 'j-1'), false);
    assert.equal(isTempFileOf('a.mp4', 'clips/a.mp4', 'j-1'), false);
  });

  it('puts the start of the job id before the extension when the name is taken', () => {
    assert.equal(withJobSuffix('clips/a.b.mp4', '1b2c3d4e-5f60'), 'clips/a.b-1b2c3d4e.mp4');
    assert.equal(withJobSuffix('noext', '1b2c3d4e-5f60', 13), 'noext-1b2c3d4e-5f60');
  });
});
