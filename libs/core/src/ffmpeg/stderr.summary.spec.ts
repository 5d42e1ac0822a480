import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaRoot } from '../media/media-root';
import { ffmpegErrorSummary, mediaRootPaths, type ShownPath, withoutHostPaths } from './stderr.summary';

// Real stderr of ffmpeg 5.1 (Debian 12), run as the transcoder runs it
// (PROGRESS_ARGS, -hide_banner, the input whitelists) on media under a temp root.
const ROOT = '/tmp/mpr-capA1b2/media';
const ROOTS: ShownPath[] = [
  [`${ROOT}/in`, 'in'],
  [`${ROOT}/out`, 'out'],
];

/** libx264 given an odd width. */
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

/** Stream copy into Matroska of an AVI with packed B-frames (made with -c:v mpeg4 -vtag xvid -bf 2). */
const PACKED_B_FRAMES_REMUX = [
  'ffmpeg stats and -progress period set to 0.4.',
  "Input #0, avi, from 'file:/tmp/mpr-capA1b2/media/in/cam/packed.avi':",
  '  Metadata:',
  '    software        : Lavf59.27.100',
  '  Duration: 00:00:03.06, start: 0.000000, bitrate: 433 kb/s',
  '  Stream #0:0: Video: mpeg4 (Advanced Simple Profile) (xvid / 0x64697678), yuv420p, 160x120 [SAR 1:1 DAR 4:3], 342 kb/s, 25 fps, 25 tbr, 25 tbn',
  '  Stream #0:1: Audio: mp3 (U[0][0][0] / 0x0055), 44100 Hz, mono, fltp, 64 kb/s',
  "Output #0, matroska, to 'file:/tmp/mpr-capA1b2/media/out/.packed_remux.mkv.5f0c2d1e-1111-4222-8333-944455556666-a1.part':",
  '  Metadata:',
  '    software        : Lavf59.27.100',
  '    encoder         : Lavf59.27.100',
  '  Stream #0:0: Video: mpeg4 (Advanced Simple Profile) (xvid / 0x64697678), yuv420p, 160x120 [SAR 1:1 DAR 4:3], q=2-31, 342 kb/s, 25 fps, 25 tbr, 1k tbn',
  '  Stream #0:1: Audio: mp3 (U[0][0][0] / 0x0055), 44100 Hz, mono, fltp, 64 kb/s',
  'Stream mapping:',
  '  Stream #0:0 -> #0:0 (copy)',
  '  Stream #0:1 -> #0:1 (copy)',
  '[matroska @ 0x55904e416400] Timestamps are unset in a packet for stream 0. This is deprecated and will stop working in the future. Fix your code to set the timestamps properly',
  "[matroska @ 0x55904e416400] Can't write packet with unknown timestamp",
  'av_interleaved_write_frame(): Invalid argument',
  'frame=    1 fps=0.0 q=-1.0 Lsize=       1kB time=00:00:00.02 bitrate= 288.6kbits/s speed= 236x    ',
  'video:6kB audio:0kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: unknown',
  'Conversion failed!',
  '',
].join('\n');

/** An MP4 cut off after 30 kB (its moov atom at the end never written). */
const TRUNCATED_MP4 = [
  'ffmpeg stats and -progress period set to 0.4.',
  '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55cb8f9bd200] moov atom not found',
  'file:/tmp/mpr-capA1b2/media/in/cam/truncated.mp4: Invalid data found when processing input',
  '',
].join('\n');

/** A Matroska with bytes 150–1200 zeroed, trimmed (-ss 1) to H.264. */
const CORRUPT_MATROSKA = [
  'ffmpeg stats and -progress period set to 0.4.',
  '[matroska,webm @ 0x564e60d901c0] 0x00 at pos 213 (0xd5) invalid as first byte of an EBML number',
  '    Last message repeated 1 times',
  '[matroska,webm @ 0x564e60d901c0] 0x00 at pos 204 (0xcc) invalid as first byte of an EBML number',
  '[matroska,webm @ 0x564e60d901c0] Element at 0x67 ending at 0x7a4dbb8d53abf4 exceeds containing master element ending at 0x1413',
  '[matroska,webm @ 0x564e60d901c0] Element at 0x76 ending at 0xeebec01007e exceeds containing master element ending at 0x1422',
  '[matroska,webm @ 0x564e60d901c0] 0x00 at pos 430 (0x1ae) invalid as first byte of an EBML number',
  'file:/tmp/mpr-capA1b2/media/in/cam/corrupt.mkv: could not seek to position 1.000',
  "Input #0, matroska,webm, from 'file:/tmp/mpr-capA1b2/media/in/cam/corrupt.mkv':",
  '  Duration: N/A, bitrate: N/A',
  "Stream map '0:V:0' matches no streams.",
  "To ignore this, add a trailing '?' to the map.",
  '',
].join('\n');

const CAPTURED = { ODD_WIDTH, PACKED_B_FRAMES_REMUX, TRUNCATED_MP4, CORRUPT_MATROSKA };

describe('ffmpegErrorSummary', () => {
  const expected: [what: string, stderr: string, summary: string[]][] = [
    [
      'an odd width: the encoder line and the error, not the input description or the stream mapping',
      ODD_WIDTH,
      [
        '[libx264] width not divisible by 2 (161x121)',
        'Error initializing output stream 0:0 -- Error while opening encoder for output stream #0:0 - maybe incorrect parameters such as bit_rate, rate, width or height',
      ],
    ],
    [
      'a stream copy of packed B-frames: the unset timestamps, never "Stream mapping:"',
      PACKED_B_FRAMES_REMUX,
      [
        '[matroska] Timestamps are unset in a packet for stream 0. This is deprecated and will stop working in the future. Fix your code to set the timestamps properly',
        "[matroska] Can't write packet with unknown timestamp",
        'av_interleaved_write_frame(): Invalid argument',
      ],
    ],
    [
      'a truncated MP4: the missing moov atom, the file named by its media path',
      TRUNCATED_MP4,
      ['[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found', 'in/cam/truncated.mp4: Invalid data found when processing input'],
    ],
    [
      'a corrupt Matroska: the first complaint (the cause), each kind once, and the last ones',
      CORRUPT_MATROSKA,
      [
        '[matroska,webm] 0x00 at pos 213 (0xd5) invalid as first byte of an EBML number',
        '[matroska,webm] Element at 0x67 ending at 0x7a4dbb8d53abf4 exceeds containing master element ending at 0x1413',
        'in/cam/corrupt.mkv: could not seek to position 1.000',
        "Stream map '0:V:0' matches no streams.",
      ],
    ],
  ];
  for (const [what, stderr, summary] of expected) {
    it(what, () => assert.equal(ffmpegErrorSummary(stderr, ROOTS), summary.join('\n')));
  }

  it('holds no host path, even when the caller names none', () => {
    for (const [name, stderr] of Object.entries(CAPTURED)) {
      for (const paths of [ROOTS, []]) {
        const summary = ffmpegErrorSummary(stderr, paths);
        assert.ok(summary.length > 0 && summary.length <= 500, name);
        assert.doesNotMatch(summary, /\/tmp|file:|\.part\b|mpr-capA1b2/, `${name}: ${summary}`);
      }
    }
    assert.equal(ffmpegErrorSummary(TRUNCATED_MP4), '[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found\ntruncated.mp4: Invalid data found when processing input');
  });

  it('keeps at most four error lines: the first and the last three', () => {
    const stderr = ['first cause: invalid header', ...Array.from({ length: 6 }, (_, i) => `effect ${'abcdef'[i]} failed`)].join('\n');
    assert.equal(ffmpegErrorSummary(stderr), ['first cause: invalid header', 'effect d failed', 'effect e failed', 'effect f failed'].join('\n'));
  });

  it('without a line that states an error, the last meaningful lines; statistics, repetition notes and encoder chatter skipped', () => {
    const stderr = [
      'Svt[info]: SVT [version]:\tSVT-AV1 Encoder Lib v1.4.1',
      'x265 [info]: frame I:      1, Avg QP:23.99  kb/s: 169.36  ',
      '[mp3 @ 0x1] Header gone astray',
      '[mp3 @ 0x1] Header gone astray',
      '    Last message repeated 3 times',
      'frame=   10 fps=0.0 q=-1.0 size=       1kB time=00:00:00.40 bitrate=  20.1kbits/s speed=   8x\r',
      'size=      18kB time=00:00:02.03 bitrate=  73.1kbits/s speed= 141x    ',
      '[libx264 @ 0x2] frame I:1     Avg QP:23.73  size:  3350',
      '',
      'Conversion failed!',
      '\n\n',
    ].join('\n');
    assert.equal(ffmpegErrorSummary(stderr), '[mp3] Header gone astray\nConversion failed!');
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

describe('mediaRootPaths', () => {
  it("names a file of either root by its media path, as the chunker shows a segment's or a split's failure", () => {
    const roots = mediaRootPaths(new MediaRoot('in', `${ROOT}/in`), new MediaRoot('out', `${ROOT}/out/`));
    assert.deepEqual(roots, ROOTS);
    assert.equal(
      ffmpegErrorSummary(TRUNCATED_MP4, roots),
      '[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found\nin/cam/truncated.mp4: Invalid data found when processing input',
    );
    const line = `file:${ROOT}/out/.mpr-chunks/job-1-a1/segment-002.mkv.d1.part: Is a directory`;
    assert.equal(withoutHostPaths(line, roots), 'out/.mpr-chunks/job-1-a1/segment-002.mkv.d1.part: Is a directory');
  });
});

describe('withoutHostPaths', () => {
  it("an attempt's temporary output reads as the final name", () => {
    const line = 'file:/tmp/x/media/out/clips/.clip_opus.ogg.job-1-a2.part: Invalid argument';
    assert.equal(withoutHostPaths(line, [['/tmp/x/media/out', 'out']]), 'out/clips/clip_opus.ogg: Invalid argument');
    assert.equal(withoutHostPaths(line), 'clip_opus.ogg: Invalid argument');
  });

  it('a named file is shown as named, before its root is', () => {
    const paths: ShownPath[] = [
      ['/srv/media/in', 'in'],
      ['/srv/media/in/a b/c.mov', 'in/a b/c.mov'],
    ];
    assert.equal(withoutHostPaths("Error opening 'file:/srv/media/in/a b/c.mov'", paths), "Error opening 'in/a b/c.mov'");
  });

  it('a root leaves its same-prefix sibling to the general rule', () => {
    assert.equal(withoutHostPaths('/srv/media/inbox/x.mp4 and /srv/media/in/y.mp4', [['/srv/media/in/', 'in']]), 'x.mp4 and in/y.mp4');
  });

  it('leaves ratios, rates and relative paths alone', () => {
    const line = 'bitrate: 322 kb/s, SAR 1:1, 30000/1001 fps, in/a/b.mp4, out/x.mkv';
    assert.equal(withoutHostPaths(line), line);
  });
});
