import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BUILTIN_PRESETS } from '../domain/builtin-presets';
import { buildTranscodeCommand } from '../ffmpeg/transcode-command';
import { tempDir } from '../testing/media-fixtures';
import { planChunks } from './chunk.planner';
import { buildKeyframeProbeArgs, readKeyframes } from './keyframe.reader';
import {
  audioIntermediateExtension,
  buildAudioEncodeCommand,
  buildConcatList,
  buildSegmentEncodeCommand,
  buildSplitCommand,
  buildStitchCommand,
  planSplit,
  segmentCuts,
} from './segment-command';
import { buildStitchProbeArgs, expectedStitch, readStitchFacts, type StitchProbeOutput, verifyStitch } from './stitch.verifier';

const run = promisify(execFile);

const FPS = 25;
const SECONDS = 6;
const SAMPLE_RATE = 48000;
const SOURCE = { duration: SECONDS, videoCodec: 'h264', audioCodec: 'aac', width: 320, height: 240, framerate: FPS, audioSampleRate: SAMPLE_RATE };
const preset = BUILTIN_PRESETS.find((p) => p.presetId === 'builtin-h264-720p')?.settings;

async function probe(path: string) {
  const { stdout } = await run('ffprobe', buildStitchProbeArgs(path));
  return readStitchFacts(JSON.parse(stdout) as StitchProbeOutput);
}

/** 6 s of 320x240 at 25 fps with a keyframe every second, and a 48 kHz tone. */
async function makeSource(path: string): Promise<string> {
  await run('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=${FPS}:duration=${SECONDS}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${SAMPLE_RATE}:duration=${SECONDS}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(FPS), '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', path,
  ]);
  return path;
}

describe('chunked encode = single-pass encode (real ffmpeg)', () => {
  let dir: { path: string; remove(): Promise<void> };
  let input: string;
  before(async () => {
    dir = await tempDir('mpr-chunking-');
    input = await makeSource(join(dir.path, 'source.mp4'));
  });
  after(() => dir.remove());

  for (const trim of [{}, { trimStart: 0.52, trimEnd: 5.2 }]) {
    it(`split on keyframes, encode 3 segments, stitch: same frames, duration and audio (${JSON.stringify(trim)})`, async () => {
      assert.ok(preset);
      const work = join(dir.path, `job-${trim.trimStart ?? 0}`);
      await mkdir(work);
      const { stdout: packets } = await run('ffprobe', buildKeyframeProbeArgs(input));
      const keyframes = readKeyframes(packets);
      assert.deepEqual(keyframes, [0, 1, 2, 3, 4, 5]);

      const plan = planChunks({ duration: SECONDS, ...trim, chunkDuration: 1.6, keyframes, fps: FPS, streamCopy: true });
      assert.equal(plan.segments.length, 3);
      const split = planSplit(plan, keyframes, FPS, SECONDS);
      await run('ffmpeg', buildSplitCommand(input, join(work, 'piece-%03d.mkv'), split.splitTimes));

      const cuts = segmentCuts(plan, FPS);
      const first = plan.segments[0].start;
      const end = plan.segments[plan.segments.length - 1].end;
      const audioPath = join(work, `audio.${audioIntermediateExtension(preset.container ?? '')}`);
      const audio = buildAudioEncodeCommand({ input, range: { start: first, end }, preset, source: SOURCE, output: audioPath });
      assert.ok(audio);
      const segmentPaths = plan.segments.map((s) => join(work, `segment-${String(s.index).padStart(3, '0')}.mkv`));
      await Promise.all([
        run('ffmpeg', audio.args),
        ...plan.segments.map((s, i) => {
          const { piece, offset } = split.pieces[i];
          const pieceInput = join(work, `piece-${String(piece).padStart(3, '0')}.mkv`);
          const encode = buildSegmentEncodeCommand({ input: pieceInput, inputOffset: offset, cut: cuts[i], preset, source: SOURCE, output: segmentPaths[i] });
          return run('ffmpeg', encode.args);
        }),
      ]);

      const listPath = join(work, 'segments.ffconcat');
      await writeFile(listPath, buildConcatList(listPath, segmentPaths));
      const stitched = join(work, 'stitched.mp4');
      await run('ffmpeg', buildStitchCommand({ listPath, audioPath, preset, output: stitched }));

      const single = join(work, 'single.mp4');
      const trimRange = { start: trim.trimStart, end: trim.trimEnd };
      await run('ffmpeg', buildTranscodeCommand({ input, output: single, preset, source: SOURCE, trim: trimRange }).args);

      const [chunked, reference] = await Promise.all([probe(stitched), probe(single)]);
      assert.ok(chunked.videoFrames !== undefined && reference.videoFrames !== undefined);
      assert.ok(Math.abs(chunked.videoFrames - reference.videoFrames) <= 1, `frames ${chunked.videoFrames} vs ${reference.videoFrames}`);
      assert.ok(Math.abs(chunked.duration - reference.duration) <= 1 / FPS, `duration ${chunked.duration} vs ${reference.duration}`);
      const expected = expectedStitch({ start: first, end, fps: FPS, audioSampleRate: SAMPLE_RATE, audioCodec: 'aac', hasVideo: true });
      assert.deepEqual(verifyStitch(chunked, expected), { ok: true });
      assert.deepEqual(verifyStitch(reference, expected), { ok: true });
      // Exactly the single pass's frames, not merely within tolerance.
      assert.equal(chunked.videoFrames, reference.videoFrames);
    });
  }
});
