import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_PRESETS } from '../domain/builtin-presets';
import { UnsupportedCombination } from '../ffmpeg/transcode.errors';
import { ffmpegArgv } from '../ffmpeg/ffmpeg-command';
import { planChunks } from './chunk.planner';
import {
  buildAudioEncodeCommand,
  buildConcatList,
  buildSegmentEncodeCommand,
  buildSplitCommand,
  buildStitchCommand,
  decodePoints,
  planSplit,
  segmentCuts,
  segmentKeyframes,
  segmentsReadSource,
  encodesAudioBesideWorkers,
  segmentEncodeThreads,
  whyNotChunkable,
} from './segment-command';
import { INPUT_FORMAT_WHITELIST } from '../media/media-types';

const H264 = BUILTIN_PRESETS.find((p) => p.presetId === 'builtin-h264-720p')!.settings;
const H265 = BUILTIN_PRESETS.find((p) => p.presetId === 'builtin-h265-1080p')!.settings;
const SOURCE = { duration: 20, videoCodec: 'h264', audioCodec: 'aac', width: 1920, height: 1080, framerate: 25, audioSampleRate: 48000 };
const HEAD = ['-hide_banner', '-nostdin', '-y'];
/** safeInputArgs, written out: an input confined to the media demuxers. */
const CONFINED = ['-protocol_whitelist', 'file,pipe', '-format_whitelist', INPUT_FORMAT_WHITELIST.join(',')];
const H264_720P = [
  ...['-map', '0:V:0', '-c:v', 'libx264', '-crf', '23', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
  ...['-vf', "scale=w=iw:h='min(720,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2"],
  // Without a preset frame rate an encode keeps the source's frames, and their times in the source's time base.
  ...['-fps_mode', 'vfr', '-enc_time_base:v', '-1'],
];

describe('segmentCuts', () => {
  it("cuts the range's ends exactly and each seam half a frame early", () => {
    const plan = planChunks({ duration: 6, trimStart: 1, chunkDuration: 2, fps: 25, streamCopy: false });
    assert.deepEqual(segmentCuts(plan, 25), [
      { start: 1, end: 2.98 },
      { start: 2.98, end: 4.98 },
      { start: 4.98, end: 6 },
    ]);
  });
});

describe('planSplit', () => {
  const keyframes = [0, 1, 2, 3, 4, 5];
  it('splits on the boundaries only when the range is the whole source', () => {
    const plan = planChunks({ duration: 6, chunkDuration: 2, keyframes, fps: 25, streamCopy: true });
    assert.deepEqual(planSplit(plan, keyframes, 25, 6), {
      splitTimes: [1.98, 3.98],
      pieces: [
        { piece: 0, offset: 0 },
        { piece: 1, offset: 2 },
        { piece: 2, offset: 4 },
      ],
    });
  });

  it('also splits at the keyframes around a trimmed range, leaving the outer pieces unused', () => {
    const inner = planChunks({ duration: 6, trimStart: 1.5, trimEnd: 4.5, chunkDuration: 1, keyframes, fps: 25, streamCopy: true });
    assert.deepEqual(planSplit(inner, keyframes, 25, 6).splitTimes, [0.98, 1.98, 2.98, 3.98, 4.98]);
    const plan = planChunks({ duration: 6, trimStart: 0.52, trimEnd: 5.2, chunkDuration: 1.6, keyframes, fps: 25, streamCopy: true });
    assert.deepEqual(
      plan.segments.map((s) => [s.start, s.end]),
      [
        [0.52, 2],
        [2, 4],
        [4, 5.2],
      ],
    );
    assert.deepEqual(planSplit(plan, keyframes, 25, 6), {
      // No keyframe at or after 5.2: the last piece runs to the end of the source.
      splitTimes: [1.98, 3.98],
      pieces: [
        { piece: 0, offset: 0 },
        { piece: 1, offset: 2 },
        { piece: 2, offset: 4 },
      ],
    });
    const late = planChunks({ duration: 6, trimStart: 1.5, chunkDuration: 2, keyframes, fps: 25, streamCopy: true });
    assert.deepEqual(planSplit(late, keyframes, 25, 6).pieces[0], { piece: 1, offset: 1 });
  });

  it("cuts at the source's own keyframes when its video starts off the frame grid (Matroska after an AAC priming delay)", () => {
    const shifted = keyframes.map((k) => k + 0.021);
    const plan = planChunks({ duration: 6.021, trimStart: 0.52, trimEnd: 5.2, chunkDuration: 1.6, keyframes: shifted, fps: 25, streamCopy: true });
    assert.deepEqual(
      plan.segments.map((s) => s.start),
      [0.52, 2.04, 4.04],
    );
    assert.deepEqual(planSplit(plan, shifted, 25, 6.021, 0.021), {
      // No cut at the first keyframe (the segment muxer cannot cut before its first packet); pieces start at 2.021 and 4.021,
      // the first one where the video does: it keeps the source's timestamps.
      splitTimes: [2.001, 4.001],
      pieces: [
        { piece: 0, offset: 0.021 },
        { piece: 1, offset: 2.021 },
        { piece: 2, offset: 4.021 },
      ],
    });
  });
});

describe('decodePoints', () => {
  it('decodes each segment of an MPEG-TS/PS from half a frame before the keyframe preceding its own, the first from the start', () => {
    const keyframes = [0.48, 0, 0.96, 1.44, 1.92, 2.4];
    const plan = planChunks({ duration: 3, chunkDuration: 1, keyframes, fps: 25, streamCopy: true });
    assert.deepEqual(
      plan.segments.map((s) => s.start),
      [0, 0.96, 1.92],
    );
    assert.deepEqual(decodePoints(plan, keyframes, 25), [0, 0.46, 1.42]);
  });

  it('decodes from the start when the keyframe before the segment is the first (a seek before the video would start its clock early)', () => {
    const plan = planChunks({ duration: 10.119, chunkDuration: 1, keyframes: [0.119, 3.036], fps: 24, streamCopy: true });
    assert.deepEqual(decodePoints(plan, [0.119, 3.036], 24), [0, 0]);
  });
});

describe('segmentKeyframes', () => {
  it("is the source's keyframe each segment starts on, undefined for a first segment between keyframes", () => {
    const plan = planChunks({ duration: 6.021, trimStart: 0.52, chunkDuration: 2, keyframes: [0.021, 2.021, 4.021], fps: 25, streamCopy: true });
    assert.deepEqual(segmentKeyframes(plan, [0.021, 2.021, 4.021], 25), [undefined, 2.021, 4.021]);
    const whole = planChunks({ duration: 6, chunkDuration: 2, keyframes: [0, 2, 4], fps: 25, streamCopy: true });
    assert.deepEqual(segmentKeyframes(whole, [0, 2, 4], 25), [0, 2, 4]);
  });
});

describe('segmentsReadSource', () => {
  it('reads an MP4/MOV source by keyframe seeks only when the index makes them exact', () => {
    const mp4 = 'mov,mp4,m4a,3gp,3g2,mj2';
    assert.equal(segmentsReadSource({ container: mp4, keyframes: [0, 2], formatStart: 0 }), true);
    assert.equal(segmentsReadSource({ container: 'matroska,webm', keyframes: [0, 2], formatStart: 0 }), false);
    assert.equal(segmentsReadSource({ container: 'mpegts', keyframes: [0, 2], formatStart: 0 }), false);
    assert.equal(segmentsReadSource({ container: mp4, keyframes: [0], formatStart: 0 }), false);
    assert.equal(segmentsReadSource({ container: mp4, keyframes: [0, 2], formatStart: 1.4 }), false);
    assert.equal(segmentsReadSource({ container: mp4, keyframes: [0, 2] }), false);
  });
});

describe('buildSplitCommand', () => {
  it('copies the first video stream into Matroska pieces at the given times, input confined, missing timestamps made', () => {
    assert.deepEqual(ffmpegArgv(buildSplitCommand('/in/a b.mp4', '/tmp/job/piece-%03d.mkv', [1.98, 3.98])), [
      ...HEAD,
      '-fflags',
      '+genpts',
      ...CONFINED,
      '-i',
      'file:/in/a b.mp4',
      '-map',
      '0:V:0',
      '-c',
      'copy',
      '-segment_format',
      'matroska',
      '-segment_times',
      '1.98,3.98',
      '-reset_timestamps',
      '1',
      '-f',
      'segment',
      'file:/tmp/job/piece-%03d.mkv',
    ]);
  });

  it('lists each finished piece when asked to', () => {
    assert.deepEqual(ffmpegArgv(buildSplitCommand('/in/a.mp4', '/tmp/job/piece-%03d.mkv', [1.98], '/tmp/job/pieces.txt')), [
      ...HEAD,
      '-fflags',
      '+genpts',
      ...CONFINED,
      '-i',
      'file:/in/a.mp4',
      ...['-map', '0:V:0', '-c', 'copy', '-segment_format', 'matroska', '-segment_times', '1.98', '-reset_timestamps', '1'],
      ...['-segment_list', 'file:/tmp/job/pieces.txt', '-segment_list_type', 'flat'],
      '-f',
      'segment',
      'file:/tmp/job/piece-%03d.mkv',
    ]);
  });

  it('refuses relative paths', () => {
    assert.throws(() => buildSplitCommand('in.mp4', '/tmp/p-%03d.mkv', []), /absolute/);
    assert.throws(() => buildSplitCommand('/in.mp4', '/tmp/p-%03d.mkv', [], 'pieces.txt'), /absolute/);
  });
});

describe('buildSegmentEncodeCommand', () => {
  it("encodes a piece's video with the preset, without audio, into Matroska", () => {
    const command = buildSegmentEncodeCommand({
      input: '/tmp/job/piece-001.mkv',
      inputOffset: 2,
      cut: { start: 1.98, end: 3.98 },
      preset: H264,
      source: SOURCE,
      output: '/tmp/job/segment-001.mkv',
    });
    assert.deepEqual(ffmpegArgv(command), [
      ...HEAD,
      ...CONFINED,
      '-i',
      'file:/tmp/job/piece-001.mkv',
      '-t',
      '1.98',
      '-map',
      '0:V:0',
      '-c:v',
      'libx264',
      '-crf',
      '23',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-vf',
      "scale=w=iw:h='min(720,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2",
      '-fps_mode',
      'vfr',
      '-enc_time_base:v',
      '-1',
      '-an',
      // The piece starts at its keyframe, 2 s, 0.02 s into the cut: the segment's clock counts from the cut.
      '-output_ts_offset',
      '0.02',
      '-f',
      'matroska',
      'file:/tmp/job/segment-001.mkv',
    ]);
    assert.equal(command.muxer, 'matroska');
    assert.equal(command.expectedDuration, 1.98);
  });

  it("turns a rotated source's piece, which lost the display matrix, as ffmpeg turns the source itself", () => {
    const args = (piece: boolean) =>
      ffmpegArgv(
        buildSegmentEncodeCommand({
          input: piece ? '/tmp/job/piece-001.mkv' : '/media/in/phone.mov',
          inputOffset: 0,
          piece,
          cut: { start: 0, end: 2 },
          preset: H264,
          source: { ...SOURCE, rotation: 270 },
          output: '/tmp/job/segment-001.mkv',
        }),
      );
    const filter = (argv: string[]) => argv[argv.indexOf('-vf') + 1];
    assert.equal(filter(args(true)), "transpose=clock,scale=w=iw:h='min(720,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2");
    assert.equal(filter(args(false)), "scale=w=iw:h='min(720,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2");
  });

  it("reads the last segment of a range that reaches the source's end to the end, as the single pass does", () => {
    // MPEG-4 Part 2 B-frames in AVI decode one frame late (0.04…1.60 s for 40 frames of a 1.6 s source): a cut
    // at the source's end dropped the last one, 39 frames for the single pass's 40 ([M5] matrix).
    const segment = (end: number, offset: number) =>
      ffmpegArgv(
        buildSegmentEncodeCommand({
          input: '/tmp/job/piece-001.mkv',
          inputOffset: offset,
          cut: { start: offset, end },
          preset: H264,
          source: SOURCE,
          output: '/tmp/job/segment-001.mkv',
        }),
      );
    const duration = Number(SOURCE.duration);
    assert.equal(segment(duration, 2).includes('-t'), false);
    assert.equal(segment(duration, 0).includes('-t'), false);
    const before = segment(duration - 1, 2);
    assert.equal(before[before.indexOf('-t') + 1], String(duration - 3));
  });

  it('seeks accurately in the source when there are no pieces, and leaves the hvc1 tag to the stitch', () => {
    const command = buildSegmentEncodeCommand({
      input: '/in/src.mp4',
      inputOffset: 0,
      cut: { start: 9.98, end: 19.98 },
      preset: H265,
      source: SOURCE,
      output: '/tmp/job/segment-001.mkv',
    });
    assert.deepEqual(ffmpegArgv(command), [
      ...HEAD,
      ...['-ss', '9.98', ...CONFINED, '-i', 'file:/in/src.mp4'],
      ...['-t', '10', '-map', '0:V:0', '-c:v', 'libx265', '-crf', '28', '-preset', 'fast', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p'],
      ...['-vf', "scale=w=iw:h='min(1080,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2", '-fps_mode', 'vfr', '-enc_time_base:v', '-1'],
      ...['-an', '-f', 'matroska', 'file:/tmp/job/segment-001.mkv'],
    ]);
  });

  /** A segment encode of an MPEG-TS whose video starts 0.119 s after its audio (sintel.ts). */
  const tsSegment = (request: { input: string; inputOffset: number; cut: { start: number; end: number }; seek?: boolean; piece?: boolean }) =>
    ffmpegArgv(
      buildSegmentEncodeCommand({
        ...request,
        preset: H264,
        source: { ...SOURCE, container: 'mpegts', videoStart: 0.119, audioStart: 0 },
        output: '/tmp/job/segment-001.mkv',
      }),
    );

  it("cuts an MPEG-TS source after decoding, on the clock ffmpeg starts at its video, and lays the segment at its cut's place", () => {
    const later = tsSegment({ input: '/in/rec.ts', inputOffset: 0, cut: { start: 2.98, end: 4.98 } });
    assert.deepEqual(later.slice(0, HEAD.length + CONFINED.length + 6), [...HEAD, ...CONFINED, '-i', 'file:/in/rec.ts', '-ss', '2.861', '-t', '2']);
    const first = tsSegment({ input: '/in/rec.ts', inputOffset: 0, cut: { start: 0, end: 0.98 } });
    assert.deepEqual(first.slice(HEAD.length + CONFINED.length + 2, HEAD.length + CONFINED.length + 4), ['-t', '0.861']);
    assert.deepEqual(first.slice(first.indexOf('-output_ts_offset'), first.indexOf('-output_ts_offset') + 2), ['-output_ts_offset', '0.119']);
  });

  it('seeks an MPEG-TS accurately to its decode point and cuts the rest after decoding', () => {
    const args = tsSegment({ input: '/in/rec.ts', inputOffset: 2.5, seek: true, cut: { start: 2.98, end: 4.98 } });
    assert.deepEqual(args.slice(0, HEAD.length + CONFINED.length + 8), [...HEAD, ...CONFINED, '-ss', '2.5', '-i', 'file:/in/rec.ts', '-ss', '0.48', '-t', '2']);
    assert.equal(args.includes('-noaccurate_seek'), false);
  });

  it("seeks a split's Matroska piece of an MPEG-TS on the input, as any piece", () => {
    const args = tsSegment({ input: '/tmp/job/piece-000.mkv', inputOffset: 0.119, piece: true, cut: { start: 0.6, end: 0.98 } });
    assert.deepEqual(args.slice(HEAD.length, HEAD.length + 2), ['-ss', '0.481']);
  });

  it('seeks the source to the keyframe a segment starts on, half a frame past it, keeping every frame from it', () => {
    const command = buildSegmentEncodeCommand({
      input: '/in/src.mp4',
      inputOffset: 8,
      seek: true,
      cut: { start: 7.98, end: 15.98 },
      preset: H264,
      source: SOURCE,
      output: '/tmp/job/segment-001.mkv',
      threads: 1,
    });
    // As from a piece starting on that keyframe: no trim at the start, the end relative to it, the keyframe at 0
    // (-itsoffset puts back the half frame -ss asks past it).
    assert.deepEqual(ffmpegArgv(command), [
      ...HEAD,
      ...[...CONFINED, '-threads', '1', '-itsoffset', '0.02', '-ss', '8.02', '-noaccurate_seek', '-i', 'file:/in/src.mp4'],
      ...['-t', '7.98', ...H264_720P, '-an', '-threads', '1', '-output_ts_offset', '0.02', '-f', 'matroska', 'file:/tmp/job/segment-001.mkv'],
    ]);
    assert.throws(
      () =>
        buildSegmentEncodeCommand({
          input: '/in/src.mp4',
          inputOffset: 8,
          seek: true,
          cut: { start: 7.98, end: 15.98 },
          preset: H264,
          source: { ...SOURCE, framerate: 0 },
          output: '/tmp/job/s.mkv',
        }),
      /frame rate/,
    );
  });

  it('gives the decoder and the encoder the threads asked for, and refuses nonsense', () => {
    const request = {
      input: '/tmp/job/piece-001.mkv',
      inputOffset: 2,
      cut: { start: 1.98, end: 3.98 },
      preset: H264,
      source: SOURCE,
      output: '/tmp/job/segment-001.mkv',
    };
    assert.deepEqual(ffmpegArgv(buildSegmentEncodeCommand({ ...request, threads: 1 })), [
      ...[...HEAD, ...CONFINED, '-threads', '1', '-i', 'file:/tmp/job/piece-001.mkv'],
      ...['-t', '1.98', ...H264_720P, '-an', '-threads', '1', '-output_ts_offset', '0.02', '-f', 'matroska', 'file:/tmp/job/segment-001.mkv'],
    ]);
    assert.deepEqual(ffmpegArgv(buildSegmentEncodeCommand(request)), [
      ...[...HEAD, ...CONFINED, '-i', 'file:/tmp/job/piece-001.mkv'],
      ...['-t', '1.98', ...H264_720P, '-an', '-output_ts_offset', '0.02', '-f', 'matroska', 'file:/tmp/job/segment-001.mkv'],
    ]);
    assert.throws(() => buildSegmentEncodeCommand({ ...request, threads: 0 }), /threads must be a whole number/);
  });

  it('refuses a job that encodes no video', () => {
    const audioOnly = BUILTIN_PRESETS.find((p) => p.presetId === 'builtin-aac-192k')!.settings;
    const request = { input: '/in/s.mp4', inputOffset: 0, cut: { start: 0, end: 2 }, source: SOURCE, output: '/tmp/s.mkv' };
    assert.throws(() => buildSegmentEncodeCommand({ ...request, preset: audioOnly }), UnsupportedCombination);
    assert.throws(() => buildSegmentEncodeCommand({ ...request, preset: { ...H264, videoCodec: 'copy' } }), UnsupportedCombination);
  });
});

describe('segmentEncodeThreads', () => {
  it('is one thread for every encode once the workers cover the cores and the job has more than two segments per core', () => {
    assert.equal(segmentEncodeThreads(2, 2, 8), 1);
    assert.equal(segmentEncodeThreads(4, 2, 8), 1);
    assert.equal(segmentEncodeThreads(2, 2, 5), 1);
    assert.equal(segmentEncodeThreads(1, 1, 4), 1);
  });

  it("leaves every encode to ffmpeg's threads with fewer workers than cores or few segments, never mixing the two in a job", () => {
    assert.equal(segmentEncodeThreads(1, 2, 8), undefined);
    assert.equal(segmentEncodeThreads(2, 8, 8), undefined);
    assert.equal(segmentEncodeThreads(2, 2, 4), undefined);
    assert.equal(segmentEncodeThreads(4, 2, 4), undefined);
    assert.equal(segmentEncodeThreads(1, 1, 2), undefined);
  });
});

describe('whyNotChunkable', () => {
  it('names what keeps a job from being chunked, and is silent when it can be or nothing is known yet', () => {
    const audioOnly = BUILTIN_PRESETS.find((p) => p.presetId === 'builtin-aac-192k')!.settings;
    assert.equal(whyNotChunkable(H264, SOURCE), undefined);
    assert.equal(whyNotChunkable(audioOnly, SOURCE), 'its preset makes no video (audio only)');
    assert.match(whyNotChunkable({ ...H264, videoCodec: 'copy' }, SOURCE) ?? '', /copies the video stream/);
    assert.equal(whyNotChunkable(H264, { ...SOURCE, videoCodec: '' }), 'its source has no video');
    assert.equal(whyNotChunkable(undefined, SOURCE), undefined);
    assert.equal(whyNotChunkable(H264, undefined), undefined);
  });
});

describe('encodesAudioBesideWorkers', () => {
  it('keeps the audio on the coordinator only when its replica has a core to spare', () => {
    assert.equal(encodesAudioBesideWorkers(1, 2), true);
    assert.equal(encodesAudioBesideWorkers(2, 2), false);
    assert.equal(encodesAudioBesideWorkers(1, 1), false);
  });
});

describe('buildAudioEncodeCommand', () => {
  it("encodes the whole range's audio once, into MP4 for an MP4 job", () => {
    const command = buildAudioEncodeCommand({
      input: '/in/s.mp4',
      range: { start: 0.52, end: 5.2 },
      preset: H264,
      source: SOURCE,
      output: '/tmp/job/audio.mp4',
    });
    assert.ok(command);
    assert.deepEqual(ffmpegArgv(command), [
      ...HEAD,
      '-ss',
      '0.52',
      ...CONFINED,
      '-i',
      'file:/in/s.mp4',
      '-t',
      '4.68',
      '-vn',
      '-map',
      '0:a:0',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      'file:/tmp/job/audio.mp4',
    ]);
  });

  it('is undefined for a silent source', () => {
    assert.equal(
      buildAudioEncodeCommand({ input: '/in/s.mp4', range: { start: 0, end: 5 }, preset: H264, source: { ...SOURCE, audioCodec: '' }, output: '/tmp/a.mp4' }),
      undefined,
    );
  });
});

describe('buildConcatList', () => {
  it('names the segments relative to the list, which -safe 1 accepts, each laid at its cut by its own clock and its cut length', () => {
    assert.equal(
      buildConcatList('/tmp/job/segments.ffconcat', [
        { path: '/tmp/job/segment-000.mkv', duration: 1.5 },
        { path: '/tmp/job/segment-001.mkv', duration: 1.0000004 },
      ]),
      "ffconcat version 1.0\nfile 'segment-000.mkv'\ninpoint 0\nduration 1.5\nfile 'segment-001.mkv'\ninpoint 0\nduration 1\n",
    );
  });

  it("escapes a quote as '\\''", () => {
    assert.equal(buildConcatList('/tmp/j/l', [{ path: "/tmp/j/it's.mkv", duration: 2 }]), "ffconcat version 1.0\nfile 'it'\\''s.mkv'\ninpoint 0\nduration 2\n");
  });

  it('refuses a segment elsewhere than the list, a relative path, a length that is not > 0 and an empty list', () => {
    assert.throws(() => buildConcatList('/tmp/job/l', [{ path: '/tmp/other/segment-000.mkv', duration: 1 }]), /not next to the concat list/);
    assert.throws(() => buildConcatList('/tmp/job/l', [{ path: 'segment-000.mkv', duration: 1 }]), /absolute/);
    assert.throws(() => buildConcatList('/tmp/job/l', [{ path: '/tmp/job/segment-000.mkv', duration: 0 }]), /length > 0/);
    assert.throws(() => buildConcatList('/tmp/job/l', []), /nothing/);
  });
});

describe('buildStitchCommand', () => {
  it('joins the segments and the audio by stream copy into the MP4, with faststart', () => {
    assert.deepEqual(
      ffmpegArgv(buildStitchCommand({ listPath: '/tmp/job/segments.ffconcat', audioPath: '/tmp/job/audio.mp4', preset: H264, output: '/out/.x.mp4.part' })),
      [
        ...HEAD,
        '-protocol_whitelist',
        'file,pipe',
        '-format_whitelist',
        'concat,matroska',
        '-f',
        'concat',
        '-safe',
        '1',
        '-i',
        'file:/tmp/job/segments.ffconcat',
        ...CONFINED,
        '-i',
        'file:/tmp/job/audio.mp4',
        '-map',
        '0:v:0',
        '-map',
        '1:a:0',
        '-c',
        'copy',
        '-movflags',
        '+faststart',
        '-f',
        'mp4',
        'file:/out/.x.mp4.part',
      ],
    );
  });

  it('puts a stream that begins after the range starts back where it begins', () => {
    const argv = ffmpegArgv(
      buildStitchCommand({ listPath: '/tmp/job/l', audioPath: '/tmp/job/a.mp4', preset: H264, output: '/out/x.mp4', videoStart: 0.119, audioStart: 0 }),
    );
    assert.deepEqual(argv.slice(HEAD.length, HEAD.length + 2), ['-itsoffset', '0.119']);
    assert.equal(argv.filter((a) => a === '-itsoffset').length, 1);
  });

  it('tags HEVC hvc1 for MP4 and stitches video alone without audio', () => {
    assert.deepEqual(ffmpegArgv(buildStitchCommand({ listPath: '/tmp/job/l', preset: H265, output: '/out/x.mp4' })), [
      ...HEAD,
      ...['-protocol_whitelist', 'file,pipe', '-format_whitelist', 'concat,matroska', '-f', 'concat', '-safe', '1', '-i', 'file:/tmp/job/l'],
      '-map',
      '0:v:0',
      '-c',
      'copy',
      '-tag:v',
      'hvc1',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      'file:/out/x.mp4',
    ]);
  });
});
