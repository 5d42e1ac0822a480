import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapProbe, parseRate } from './probe.mapper';

describe('mapProbe', () => {
  it('reads the first real video stream and the first audio stream', () => {
    const probe = mapProbe({
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '12.5', bit_rate: '800000' },
      streams: [
        { codec_type: 'video', codec_name: 'mjpeg', width: 600, height: 600, disposition: { attached_pic: 1 } },
        { codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, avg_frame_rate: '30000/1001' },
        { codec_type: 'audio', codec_name: 'aac', channels: 2, sample_rate: '48000' },
      ],
    });
    assert.deepEqual(probe, {
      duration: 12.5,
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      videoCodec: 'h264',
      audioCodec: 'aac',
      width: 1920,
      height: 1080,
      framerate: 29.97,
      bitrate: 800000,
      audioChannels: 2,
      audioSampleRate: 48000,
    });
  });

  it('treats cover art alone as audio-only', () => {
    const probe = mapProbe({
      format: { duration: '3' },
      streams: [
        { codec_type: 'video', codec_name: 'png', disposition: { attached_pic: 1 } },
        { codec_type: 'audio', codec_name: 'mp3', channels: 2, sample_rate: '44100' },
      ],
    });
    assert.equal(probe.videoCodec, '');
    assert.equal(probe.width, 0);
  });

  it('refuses a file with neither audio nor video', () => {
    assert.throws(() => mapProbe({ streams: [{ codec_type: 'data' }] }), /no audio or video stream/);
  });

  it('parses frame rates', () => {
    assert.equal(parseRate('25/1'), 25);
    assert.equal(parseRate('0/0'), 0);
    assert.equal(parseRate(undefined), 0);
    assert.equal(parseRate('24'), 24);
  });
});
