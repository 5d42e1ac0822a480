import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ffmpegErrorSummary } from './stderr.summary';

/** ffmpeg 5.1's stderr when libx264 gets an odd width (from a real run, banner cut). */
const ODD_WIDTH = [
  "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:src.mp4':",
  '  Duration: 00:00:02.00, start: 0.000000, bitrate: 322 kb/s',
  '  Stream #0:0[0x1](und): Video: h264 (High 4:4:4 Predictive) (avc1 / 0x31637661), yuv444p, 161x121, 10 fps',
  'Stream mapping:',
  '  Stream #0:0 -> #0:0 (h264 (native) -> h264 (libx264))',
  '[libx264 @ 0x55c4c4369f40] width not divisible by 2 (161x121)',
  'Error initializing output stream 0:0 -- Error while opening encoder for output stream #0:0 - maybe incorrect parameters such as bit_rate, rate, width or height',
  'Conversion failed!',
  '',
].join('\n');

describe('ffmpegErrorSummary', () => {
  it('keeps the last lines that fit in 500 characters, where ffmpeg says why it failed', () => {
    assert.equal(
      ffmpegErrorSummary(ODD_WIDTH),
      [
        'Duration: 00:00:02.00, start: 0.000000, bitrate: 322 kb/s',
        'Stream #0:0[0x1](und): Video: h264 (High 4:4:4 Predictive) (avc1 / 0x31637661), yuv444p, 161x121, 10 fps',
        'Stream mapping:',
        'Stream #0:0 -> #0:0 (h264 (native) -> h264 (libx264))',
        '[libx264 @ 0x55c4c4369f40] width not divisible by 2 (161x121)',
        'Error initializing output stream 0:0 -- Error while opening encoder for output stream #0:0 - maybe incorrect parameters such as bit_rate, rate, width or height',
        'Conversion failed!',
      ].join('\n'),
    );
    assert.ok(ffmpegErrorSummary(ODD_WIDTH).length <= 500);
  });

  it('skips empty and repeated lines, statistics, repetition notes and encoder chatter', () => {
    const stderr = [
      'Svt[info]: SVT [version]:\tSVT-AV1 Encoder Lib v1.4.1',
      'x265 [info]: frame I:      1, Avg QP:23.99  kb/s: 169.36  ',
      '[mp3 @ 0x1] Header missing',
      '[mp3 @ 0x1] Header missing',
      '    Last message repeated 3 times',
      'frame=   10 fps=0.0 q=-1.0 size=       1kB time=00:00:00.40 bitrate=  20.1kbits/s speed=   8x\r',
      'size=      18kB time=00:00:02.03 bitrate=  73.1kbits/s speed= 141x    ',
      '',
      '[mp3 @ 0x1] Header missing',
      'file:/in/a.mp3: Invalid data found when processing input',
      '\n\n',
    ].join('\n');
    assert.equal(ffmpegErrorSummary(stderr), '[mp3 @ 0x1] Header missing\nfile:/in/a.mp3: Invalid data found when processing input');
  });

  it('keeps the end of a single line longer than the cap', () => {
    const summary = ffmpegErrorSummary(`${'x'.repeat(600)}the reason\n`);
    assert.equal(summary.length, 500);
    assert.ok(summary.startsWith('…') && summary.endsWith('the reason'));
  });

  it('is empty for an empty stderr', () => {
    assert.equal(ffmpegErrorSummary(' \n\r\n'), '');
  });
});
