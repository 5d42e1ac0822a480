import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSupportedMedia } from './media-types';

describe('isSupportedMedia', () => {
  it("takes the original system's types, what phones and sound editors write (3gp, opus, oga, AIFF, au) and WMV's container (asf), whatever the case of the extension", () => {
    for (const path of ['a.mp4', 'b/c.MOV', 'phone.3gp', 'voice.opus', 'x.m4a', 'y.WMV', 'z.asf', 'shutter.oga', 'take.AIFF', 'loop.aif', 'mix.aifc', 'voicemail.au']) {
      assert.equal(isSupportedMedia(path), true, path);
    }
  });

  it('skips other types, names without an extension and a dot in a folder name', () => {
    for (const path of ['list.m3u8', 'notes.txt', 'README', 'folder.mp4/readme', '.mp4/file']) assert.equal(isSupportedMedia(path), false, path);
  });
});
