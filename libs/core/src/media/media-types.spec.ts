import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSupportedMedia } from './media-types';

describe('isSupportedMedia', () => {
  it("takes the original system's types and what phones, camcorders, TV recorders and sound editors write (3gp, mts, m2ts, ts, opus, oga, AIFF, au) and WMV's container (asf), whatever the case of the extension", () => {
    const camcorders = ['00001.MTS', 'BDMV/STREAM/00002.m2ts', 'recording.ts'];
    for (const path of ['a.mp4', 'b/c.MOV', 'phone.3gp', 'voice.opus', 'x.m4a', 'y.WMV', 'z.asf', 'shutter.oga', 'take.AIFF', 'loop.aif', 'mix.aifc', 'voicemail.au', ...camcorders]) {
      assert.equal(isSupportedMedia(path), true, path);
    }
  });

  it('skips other types, names without an extension and a dot in a folder name', () => {
    for (const path of ['list.m3u8', 'notes.txt', 'README', 'folder.mp4/readme', '.mp4/file']) assert.equal(isSupportedMedia(path), false, path);
  });
});
