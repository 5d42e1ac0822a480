import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserPlayback } from './browser-playback';

const MP4 = 'mov,mp4,m4a,3gp,3g2,mj2';
const MKV = 'matroska,webm';

describe('browserPlayback', () => {
  it('plays what browsers decode as it is', () => {
    for (const facts of [
      { container: MP4, videoCodec: 'h264', audioCodec: 'aac' },
      { container: MP4, videoCodec: 'av1', audioCodec: '' },
      { container: MP4, videoCodec: '', audioCodec: 'aac' },
      { container: MKV, videoCodec: 'vp9', audioCodec: 'opus' },
      { container: MKV, videoCodec: 'vp8', audioCodec: 'vorbis' },
      { container: 'ogg', videoCodec: '', audioCodec: 'vorbis' },
      { container: 'mp3', videoCodec: '', audioCodec: 'mp3' },
      { container: 'wav', videoCodec: '', audioCodec: 'pcm_s16le' },
      { container: 'flac', videoCodec: '', audioCodec: 'flac' },
      { container: 'aac', videoCodec: '', audioCodec: 'aac' },
    ]) {
      assert.deepEqual(browserPlayback(facts), { playable: true }, JSON.stringify(facts));
    }
  });

  it('AVI, WMV and FLV never, whatever they hold', () => {
    assert.deepEqual(browserPlayback({ container: 'avi', videoCodec: 'h264', audioCodec: 'mp3' }), {
      playable: false,
      reason: 'browsers do not play AVI files',
    });
    assert.deepEqual(browserPlayback({ container: 'asf', videoCodec: 'wmv2', audioCodec: 'wmav2' }), {
      playable: false,
      reason: 'browsers do not play WMV/ASF files',
    });
    assert.deepEqual(browserPlayback({ container: 'flv', videoCodec: 'h264', audioCodec: 'aac' }), { playable: false, reason: 'browsers do not play FLV files' });
  });

  it('a browser container with a codec browsers do not decode', () => {
    assert.deepEqual(browserPlayback({ container: MKV, videoCodec: 'h264', audioCodec: 'aac' }), {
      playable: false,
      reason: 'browsers do not decode h264 video in matroska',
    });
    assert.deepEqual(browserPlayback({ container: MKV, videoCodec: 'vp9', audioCodec: 'ac3' }), {
      playable: false,
      reason: 'browsers do not decode ac3 audio in matroska',
    });
    assert.deepEqual(browserPlayback({ container: MP4, videoCodec: 'hevc', audioCodec: 'aac' }), {
      playable: false,
      reason: 'browsers do not decode hevc video in mp4',
    });
    assert.deepEqual(browserPlayback({ container: MP4, videoCodec: 'mpeg4', audioCodec: 'aac' }), {
      playable: false,
      reason: 'browsers do not decode mpeg4 video in mp4',
    });
  });

  it('an unknown container is not taken for playable', () => {
    assert.deepEqual(browserPlayback({ container: 'mpegts', videoCodec: 'h264', audioCodec: 'aac' }), {
      playable: false,
      reason: 'browsers do not play the container "mpegts"',
    });
  });
});
