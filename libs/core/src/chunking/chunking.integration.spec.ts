import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BUILTIN_PRESETS } from '../domain/builtin-presets';
import { ffmpegArgv } from '../ffmpeg/ffmpeg-command';
import { buildTranscodeCommand } from '../ffmpeg/transcode-command';
import { makeKeyframedSource, outputFacts, tempDir } from '../testing/media-fixtures';
import { chunkTargets, planChunks } from './chunk.planner';
import { FfprobeRepository } from '../media/ffprobe.repository';
import { buildKeyframeProbe, readKeyframeProbe } from './keyframe.reader';
import {
  audioIntermediateExtension,
  buildAudioEncodeCommand,
  buildConcatList,
  buildSegmentEncodeCommand,
  buildSplitCommand,
  buildStitchCommand,
  planSplit,
  segmentCuts,
  segmentKeyframes,
  segmentsReadSource,
} from './segment-command';
import { expectedStitch, verifyStitch } from './stitch.verifier';

const run = promisify(execFile);

const FPS = 25;
const SECONDS = 6;
const SAMPLE_RATE = 48000;
const SOURCE = { duration: SECONDS, videoCodec: 'h264', audioCodec: 'aac', width: 320, height: 240, framerate: FPS, audioSampleRate: SAMPLE_RATE };
const preset = BUILTIN_PRESETS.find((p) => p.presetId === 'builtin-h264-720p')?.settings;

/**
 * 6 s of 320x240 at 25 fps with a keyframe every second and B-frames (the
 * decoder reorders: a keyframe's packet comes before frames shown ahead of
 * it), and a 48 kHz tone; MP4 or Matroska after the path's extension.
 */
function makeSource(path: string, extra: string[] = []): Promise<string> {
  return makeKeyframedSource(path, {
    seconds: SECONDS,
    fps: FPS,
    size: '320x240',
    preset: 'veryfast',
    sampleRate: SAMPLE_RATE,
    output: ['-bf', '2', ...extra],
  });
}

/** Per-frame PSNR of `a` from its frame `skipA` on against `b` from `skipB` on, pairing frames by their order. */
async function psnrByFrame(a: string, b: string, skipA: number, skipB: number): Promise<number[]> {
  const pick = (skip: number, out: string) => `trim=start_frame=${skip},setpts=N/FRAME_RATE/TB[${out}]`;
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', a, '-i', b, '-lavfi', `[0:v]${pick(skipA, 'x')};[1:v]${pick(skipB, 'y')};[x][y]psnr=shortest=1:stats_file=-`, '-f', 'null', '-'],
    { maxBuffer: 16 << 20 },
  );
  return [...stdout.matchAll(/psnr_avg:(\S+)/g)].map((m) => (m[1] === 'inf' ? Infinity : Number(m[1])));
}

/**
 * Where `a` has other pictures than `b`, frame by frame: the first of ten
 * consecutive frames of which five or more look more like a neighbouring
 * frame of `b` than like the same one. testsrc2 moves every frame, so a frame
 * of one encode is ~40 dB from the same frame of the other and ~25 dB from its
 * neighbours; a few frames where the picture hardly changes can go either
 * way, but a frame dropped or repeated at a seam makes the neighbour the
 * better match for every frame after it. Undefined when all are in place.
 */
async function misplacedFrom(a: string, b: string, skipB = 0): Promise<number | undefined> {
  const [same, aAhead, bAhead] = await Promise.all([psnrByFrame(a, b, 0, skipB), psnrByFrame(a, b, 1, skipB), psnrByFrame(a, b, 0, skipB + 1)]);
  assert.ok(same.length > 0, 'psnr printed per frame');
  const misplaced = same.map((psnr, i) => i < same.length - 1 && !(psnr > aAhead[i] && psnr > bAhead[i]));
  const window = 10;
  for (let i = 0; i + window <= misplaced.length; i++) {
    if (misplaced.slice(i, i + window).filter(Boolean).length >= window / 2) return i;
  }
  return undefined;
}

describe('chunked encode = single-pass encode (real ffmpeg)', () => {
  let dir: { path: string; remove(): Promise<void> };
  const sources = { mp4: '', mkv: '', late: '' };
  before(async () => {
    dir = await tempDir('mpr-chunking-');
    [sources.mp4, sources.mkv, sources.late] = await Promise.all([
      makeSource(join(dir.path, 'source.mp4')),
      makeSource(join(dir.path, 'source.mkv')),
      // A clock that starts at 1.4 s, as a recording cut from a broadcast stream has.
      makeSource(join(dir.path, 'source-late.mkv'), ['-output_ts_offset', '1.4']),
    ]);
  });
  after(() => dir.remove());

  // MP4: the segments seek into the source; Matroska (also one whose clock starts at 1.4 s): the source is split into pieces first.
  // (ffmpeg writes the late clock's Matroska duration as its last timestamp, 7.4 s, past its content: planned to where its video ends.)
  const MP4 = 'mov,mp4,m4a,3gp,3g2,mj2';
  const MKV = 'matroska,webm';
  const TRIM = { trimStart: 0.52, trimEnd: 5.2 };
  const cases: ReadonlyArray<{ kind: keyof typeof sources; container: string; trim: { trimStart?: number; trimEnd?: number } }> = [
    { kind: 'mp4', container: MP4, trim: {} },
    { kind: 'mp4', container: MP4, trim: TRIM },
    { kind: 'mkv', container: MKV, trim: {} },
    { kind: 'mkv', container: MKV, trim: TRIM },
    { kind: 'late', container: MKV, trim: {} },
    { kind: 'late', container: MKV, trim: TRIM },
  ];
  for (const { kind, container, trim } of cases) {
    it(`${kind === 'mp4' ? 'seek to keyframes in the MP4 source' : `split the Matroska source${kind === 'late' ? ' whose clock starts at 1.4 s' : ''} on keyframes`}, encode 3 segments, stitch: the single pass's frames, duration and audio (${JSON.stringify(trim)})`, async () => {
      assert.ok(preset);
      const input = sources[kind];
      const work = join(dir.path, `job-${kind}-${trim.trimStart ?? 0}`);
      await mkdir(work);
      const ffprobe = new FfprobeRepository();
      const packets = await ffprobe.output(buildKeyframeProbe(input));
      const all = readKeyframeProbe(packets);
      const { formatStart } = all;
      // In Matroska the video starts after the AAC encoder's priming (1024 samples, 21 ms), where ffmpeg put it.
      assert.deepEqual(kind === 'mp4' ? all.keyframes : all.keyframes.map((k) => Math.round(k)), [0, 1, 2, 3, 4, 5]);
      const readsSource = segmentsReadSource({ container, ...all });
      // The asset probe's duration, as the chunker has it (6.021 s in Matroska; 7.4 s declared by the late one, measured to its content).
      const { stdout: probed } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', input]);
      const probe = await ffprobe.probe(input);
      const source = { ...SOURCE, duration: Number(probe.duration), videoStart: probe.videoStart };
      if (kind === 'late')
        assert.ok(Number(probed) > 7 && Math.abs(source.duration - 6.021) < 1 / FPS, `late clock: declared ${probed} s, planned ${source.duration} s`);
      assert.equal(readsSource, kind === 'mp4');

      // An MP4 is probed only around the ideal boundaries, as the coordinator does: its index finds them.
      const request = { duration: source.duration, ...trim, chunkDuration: 1.6, fps: FPS };
      const around = readsSource ? chunkTargets(request) : [];
      const keyframes = readsSource ? readKeyframeProbe(await ffprobe.output(buildKeyframeProbe(input, around))).keyframes : all.keyframes;
      if (readsSource) {
        assert.ok(keyframes.length >= 2 && keyframes.every((k) => all.keyframes.includes(k)), `windowed keyframes ${keyframes} are keyframes`);
        assert.equal(keyframes.includes(0), false, 'only the windows were read');
      }
      const plan = planChunks({ ...request, keyframes, streamCopy: true });
      assert.equal(plan.segments.length, 3);
      const split = planSplit(plan, keyframes, FPS, source.duration, source.videoStart);
      if (!readsSource) await run('ffmpeg', ffmpegArgv(buildSplitCommand(input, join(work, 'piece-%03d.mkv'), split.splitTimes)));

      const cuts = segmentCuts(plan, FPS);
      const keyframeOf = segmentKeyframes(plan, keyframes, FPS);
      const first = plan.segments[0].start;
      const end = plan.segments[plan.segments.length - 1].end;
      const audioPath = join(work, `audio.${audioIntermediateExtension(preset.container ?? '')}`);
      const audio = buildAudioEncodeCommand({ input, range: { start: first, end }, preset, source, output: audioPath });
      assert.ok(audio);
      const segmentPaths = plan.segments.map((s) => join(work, `segment-${String(s.index).padStart(3, '0')}.mkv`));
      await Promise.all([
        run('ffmpeg', ffmpegArgv(audio)),
        ...plan.segments.map((s, i) => {
          const { piece, offset } = split.pieces[i];
          const pieceInput = join(work, `piece-${String(piece).padStart(3, '0')}.mkv`);
          const encode = readsSource
            ? buildSegmentEncodeCommand({
                input,
                inputOffset: i > 0 ? (keyframeOf[i] ?? 0) : 0,
                seek: true,
                cut: cuts[i],
                preset,
                source,
                output: segmentPaths[i],
              })
            : buildSegmentEncodeCommand({ input: pieceInput, inputOffset: offset, cut: cuts[i], preset, source, output: segmentPaths[i] });
          return run('ffmpeg', ffmpegArgv(encode));
        }),
      ]);

      const listPath = join(work, 'segments.ffconcat');
      await writeFile(
        listPath,
        buildConcatList(
          listPath,
          segmentPaths.map((path, i) => ({ path, duration: cuts[i].end - cuts[i].start })),
        ),
      );
      const stitched = join(work, 'stitched.mp4');
      await run('ffmpeg', ffmpegArgv(buildStitchCommand({ listPath, audioPath, preset, output: stitched })));

      const single = join(work, 'single.mp4');
      const trimRange = { start: trim.trimStart, end: trim.trimEnd };
      await run('ffmpeg', ffmpegArgv(buildTranscodeCommand({ input, output: single, preset, source, trim: trimRange })));

      const [chunked, reference] = await Promise.all([outputFacts(stitched), outputFacts(single)]);
      assert.ok(chunked.videoFrames !== undefined && reference.videoFrames !== undefined);
      assert.ok(Math.abs(chunked.videoFrames - reference.videoFrames) <= 1, `frames ${chunked.videoFrames} vs ${reference.videoFrames}`);
      assert.ok(Math.abs(chunked.duration - reference.duration) <= 1 / FPS, `duration ${chunked.duration} vs ${reference.duration}`);
      const expected = expectedStitch({ start: first, end, fps: FPS, audioSampleRate: SAMPLE_RATE, audioCodec: 'aac', hasVideo: true });
      assert.deepEqual(verifyStitch(chunked, expected), { ok: true });
      assert.deepEqual(verifyStitch(reference, expected), { ok: true });
      // Exactly the source's frames in the range, each in its place. (A single pass into MP4 repeats the first
      // frame of a video that starts a frame late, as in this Matroska source: within one frame, not equal.)
      const times = packets
        .split('\n')
        .filter((line) => line.startsWith('packet,'))
        .map((line) => Number(line.split(',')[1]) - (formatStart ?? 0))
        .sort((x, y) => x - y);
      const inRange = times.filter((t) => t >= first - 1e-6 && t < end - 1e-6);
      assert.equal(chunked.videoFrames, inRange.length);
      if (kind === 'mp4') assert.equal(reference.videoFrames, inRange.length);
      assert.equal(await misplacedFrom(stitched, input, times.indexOf(inRange[0])), undefined, 'frames out of place from this one on');
    });
  }
});

describe('chunked WebM audio = single-pass audio (real ffmpeg)', () => {
  let dir: { path: string; remove(): Promise<void> };
  before(async () => {
    dir = await tempDir('mpr-chunking-webm-');
  });
  after(() => dir.remove());

  it('a trimmed VP9/Opus job: the stitched audio declares what the single pass does (Opus pre-skip kept through an Ogg intermediate)', async () => {
    const vp9 = BUILTIN_PRESETS.find((p) => p.presetId === 'builtin-vp9-720p')?.settings;
    assert.ok(vp9);
    const input = await makeSource(join(dir.path, 'source.mp4'));
    const range = { start: 1.2, end: 3.6 };
    const audioPath = join(dir.path, `audio.${audioIntermediateExtension('webm')}`);
    const segmentPath = join(dir.path, 'segment-000.mkv');
    const audio = buildAudioEncodeCommand({ input, range, preset: vp9, source: SOURCE, output: audioPath });
    assert.ok(audio);
    const segment = buildSegmentEncodeCommand({ input, inputOffset: 0, cut: range, preset: vp9, source: SOURCE, output: segmentPath });
    await Promise.all([run('ffmpeg', ffmpegArgv(audio)), run('ffmpeg', ffmpegArgv(segment))]);
    const listPath = join(dir.path, 'segments.ffconcat');
    await writeFile(listPath, buildConcatList(listPath, [{ path: segmentPath, duration: range.end - range.start }]));
    const stitched = join(dir.path, 'stitched.webm');
    await run('ffmpeg', ffmpegArgv(buildStitchCommand({ listPath, audioPath, preset: vp9, output: stitched })));
    const single = join(dir.path, 'single.webm');
    await run('ffmpeg', ffmpegArgv(buildTranscodeCommand({ input, output: single, preset: vp9, source: SOURCE, trim: range })));

    const [chunked, reference] = await Promise.all([outputFacts(stitched), outputFacts(single)]);
    assert.ok(chunked.audioSamples !== undefined && reference.audioSamples !== undefined);
    // Through a Matroska intermediate the stitched WebM declared 312 samples (the pre-skip) and more besides.
    assert.ok(Math.abs(chunked.audioSamples - reference.audioSamples) <= 48, `audio samples ${chunked.audioSamples} vs ${reference.audioSamples}`);
    assert.equal(chunked.videoFrames, reference.videoFrames);
  });
});
