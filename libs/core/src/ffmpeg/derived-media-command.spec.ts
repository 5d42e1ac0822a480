import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPreviewCommand, buildThumbnailStripCommand, thumbnailStripGeometry } from './derived-media-command';
import { ffmpegArgv } from './ffmpeg-command';
import { INPUT_FORMAT_WHITELIST } from '../media/media-types';

const INPUT = '/media/in/old.avi';
const HEAD = ['-hide_banner', '-nostdin', '-y'];
const IN = ['-protocol_whitelist', 'file,pipe', '-format_whitelist', INPUT_FORMAT_WHITELIST.join(','), '-i', `file:${INPUT}`];

describe('thumbnailStripGeometry', () => {
  it('ten tiles 160 wide, the height by the aspect ratio rounded to even, one per tenth of the duration', () => {
    assert.deepEqual(thumbnailStripGeometry({ width: 1920, height: 1080, duration: 12 }), { count: 10, tileWidth: 160, tileHeight: 90, interval: 1.2 });
    assert.deepEqual(thumbnailStripGeometry({ width: 320, height: 241, duration: 2 }), { count: 10, tileWidth: 160, tileHeight: 120, interval: 0.2 });
    assert.equal(thumbnailStripGeometry({ width: 4000, height: 10, duration: 1 }).tileHeight, 2);
    assert.equal(thumbnailStripGeometry({ width: 160, height: 120, duration: 2.1 }).interval, 0.21, 'in microseconds');
  });

  it('refuses a source without a size or a duration', () => {
    assert.throws(() => thumbnailStripGeometry({ width: 0, height: 0, duration: 5 }), /needs the video's size, got 0×0/);
    assert.throws(() => thumbnailStripGeometry({ width: 640, height: 360, duration: 0 }), /needs a duration, got 0/);
  });
});

describe('buildThumbnailStripCommand', () => {
  it('one JPEG of the tiles side by side, from the confined input', () => {
    const command = buildThumbnailStripCommand({
      input: INPUT,
      output: '/data/cache/thumbnails/a1/.x.jpg.part',
      geometry: { count: 10, tileWidth: 160, tileHeight: 90, interval: 1.2 },
    });
    assert.deepEqual(ffmpegArgv(command), [
      ...HEAD,
      ...IN,
      ...['-map', '0:V:0', '-an', '-sn'],
      '-vf',
      'fps=fps=1/1.2,scale=160:90:force_original_aspect_ratio=decrease,pad=160:90:(ow-iw)/2:(oh-ih)/2,tile=10x1',
      ...['-frames:v', '1', '-q:v', '5', '-update', '1'],
      ...['-f', 'image2', 'file:/data/cache/thumbnails/a1/.x.jpg.part'],
    ]);
  });

  it('refuses relative paths', () => {
    assert.throws(
      () => buildThumbnailStripCommand({ input: 'old.avi', output: '/x.jpg', geometry: { count: 10, tileWidth: 160, tileHeight: 90, interval: 1 } }),
      /ffmpeg paths must be absolute: "old.avi"/,
    );
  });
});

describe('buildPreviewCommand', () => {
  const OUTPUT = '/data/cache/previews/a1/.x.mp4.part';
  const VIDEO = [
    ...['-map', '0:V:0', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '28', '-pix_fmt', 'yuv420p'],
    ...['-vf', "scale=w=-2:h='min(480,trunc(ih/2)*2)'", '-force_key_frames', 'expr:gte(t,n_forced*1)'],
  ];
  const AUDIO = ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '96k', '-ac', '2'];
  const TAIL = ['-sn', '-dn', '-movflags', '+faststart', '-f', 'mp4', `file:${OUTPUT}`];

  it('H.264 + AAC in MP4 for a source with both', () => {
    assert.deepEqual(ffmpegArgv(buildPreviewCommand({ input: INPUT, output: OUTPUT, hasVideo: true, hasAudio: true })), [
      ...HEAD,
      ...IN,
      ...VIDEO,
      ...AUDIO,
      ...TAIL,
    ]);
  });

  it('video only, audio only', () => {
    assert.deepEqual(ffmpegArgv(buildPreviewCommand({ input: INPUT, output: OUTPUT, hasVideo: true, hasAudio: false })), [
      ...HEAD,
      ...IN,
      ...VIDEO,
      '-an',
      ...TAIL,
    ]);
    assert.deepEqual(ffmpegArgv(buildPreviewCommand({ input: INPUT, output: OUTPUT, hasVideo: false, hasAudio: true })), [
      ...HEAD,
      ...IN,
      '-vn',
      ...AUDIO,
      ...TAIL,
    ]);
  });

  it('refuses a source with neither stream', () => {
    assert.throws(() => buildPreviewCommand({ input: INPUT, output: OUTPUT, hasVideo: false, hasAudio: false }), /needs a video or an audio stream/);
  });
});
