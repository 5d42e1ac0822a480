import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BUILTIN_PRESETS } from '../domain/builtin-presets';
import { outputFacts, probeStreams, tempDir } from '../testing/media-fixtures';
import { ffmpegArgv } from './ffmpeg-command';
import { ProgressParser } from './progress.parser';
import type { TrimRange } from '../media/source-range';
import { buildTranscodeCommand } from './transcode-command';

const run = promisify(execFile);

/** One frame at the fixture's 10 fps: the tolerance on durations. */
const FRAME = 0.1;
/** Odd on purpose: yuv420p encoders need even sizes, so every encode must round them. */
const SOURCE = { duration: 2, videoCodec: 'h264', audioCodec: 'aac', width: 161, height: 121, framerate: 10, audioSampleRate: 44100 };

/**
 * testsrc2 rounds its size to even for yuv420p (161x121 comes out 160x120),
 * so the odd-sized source is made in 4:4:4, which libx264 takes at any size.
 */
async function makeOddSource(path: string): Promise<string> {
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${SOURCE.width}x${SOURCE.height}:rate=${SOURCE.framerate}:duration=${SOURCE.duration},format=yuv444p`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=${SOURCE.audioSampleRate}:duration=${SOURCE.duration}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'aac',
    '-shortest',
    path,
  ]);
  return path;
}

describe('transcode commands (real ffmpeg)', () => {
  let dir: { path: string; remove(): Promise<void> };
  let input: string;
  before(async () => {
    dir = await tempDir('mpr-transcode-');
    input = await makeOddSource(join(dir.path, 'source.mp4'));
  });
  after(() => dir.remove());

  async function transcode(presetId: string, trim?: TrimRange) {
    const preset = BUILTIN_PRESETS.find((p) => p.presetId === presetId);
    assert.ok(preset, presetId);
    const output = join(dir.path, `.${presetId}-${trim?.start ?? 0}.${preset.settings.container}.part`);
    const command = buildTranscodeCommand({ input, output, preset: preset.settings, source: SOURCE, trim });
    await run('ffmpeg', ffmpegArgv(command));
    return { command, probe: await probeStreams(output) };
  }

  const video: Array<[presetId: string, videoCodec: string, audioCodec: string]> = [
    ['builtin-h264-720p', 'h264', 'aac'],
    ['builtin-h265-1080p', 'hevc', 'aac'],
    ['builtin-vp9-720p', 'vp9', 'opus'],
    ['builtin-av1-720p', 'av1', 'aac'],
  ];
  for (const [presetId, videoCodec, audioCodec] of video) {
    it(`${presetId}: ${videoCodec} at the source's size rounded down to even, never upscaled`, async () => {
      const { command, probe } = await transcode(presetId);
      assert.deepStrictEqual(
        probe.streams.map((s) => [s.codec_type, s.codec_name, s.width, s.height]),
        [
          ['video', videoCodec, 160, 120],
          ['audio', audioCodec, undefined, undefined],
        ],
      );
      assert.ok(Math.abs(probe.duration - command.expectedDuration) <= FRAME, `duration ${probe.duration}`);
    });
  }

  const audio: Array<[presetId: string, codec: string, sampleRate: string]> = [
    ['builtin-mp3-192k', 'mp3', '44100'],
    ['builtin-aac-192k', 'aac', '44100'],
    ['builtin-opus-128k', 'opus', '48000'],
    ['builtin-flac', 'flac', '44100'],
  ];
  for (const [presetId, codec, sampleRate] of audio) {
    it(`${presetId}: audio only, ${codec} at ${sampleRate} Hz`, async () => {
      const { command, probe } = await transcode(presetId);
      assert.deepStrictEqual(
        probe.streams.map((s) => [s.codec_type, s.codec_name, s.sample_rate]),
        [['audio', codec, sampleRate]],
      );
      assert.ok(Math.abs(probe.duration - command.expectedDuration) <= FRAME, `duration ${probe.duration}`);
    });
  }

  it('builtin-remux: copies both streams, odd size and all', async () => {
    const { command, probe } = await transcode('builtin-remux');
    assert.deepStrictEqual(
      probe.streams.map((s) => [s.codec_type, s.codec_name, s.width, s.height]),
      [
        ['video', 'h264', 161, 121],
        ['audio', 'aac', undefined, undefined],
      ],
    );
    assert.ok(Math.abs(probe.duration - command.expectedDuration) <= FRAME, `duration ${probe.duration}`);
  });

  it('reports progress to the end through -progress pipe:1, put before the command', async () => {
    const preset = BUILTIN_PRESETS[0].settings;
    const command = buildTranscodeCommand({ input, output: join(dir.path, '.progress.mp4.part'), preset, source: SOURCE });
    const { stdout } = await run('ffmpeg', ['-progress', 'pipe:1', '-nostats', ...ffmpegArgv(command)]);
    const last = new ProgressParser().push(stdout).at(-1);
    assert.ok(last?.done, 'the last block ends the progress');
    assert.equal(last.frame, SOURCE.duration * SOURCE.framerate);
    assert.ok(Math.abs(last.outTimeSeconds - command.expectedDuration) <= FRAME, `out time ${last.outTimeSeconds}`);
  });

  it('trims 0.5 s to 1.5 s frame-accurately when re-encoding', async () => {
    const { command, probe } = await transcode('builtin-h264-720p', { start: 0.5, end: 1.5 });
    assert.equal(command.expectedDuration, 1);
    assert.ok(Math.abs(probe.duration - 1) <= FRAME, `duration ${probe.duration}`);
  });

  it('trims a stream copy from the keyframe at or before the start, so it can run longer', async () => {
    // The fixture's only keyframe is at 0: the copy holds 0 s to 1.5 s.
    const { command, probe } = await transcode('builtin-remux', { start: 0.5, end: 1.5 });
    assert.equal(command.expectedDuration, 1);
    assert.ok(probe.duration >= command.expectedDuration - FRAME && probe.duration <= 1.5 + FRAME, `duration ${probe.duration}`);
  });

  it('trims an MPEG-TS with one keyframe to exactly the frames of the range (no input seek: it lands between keyframes)', async () => {
    // A camcorder's long GOP: one IDR frame in 2 s, the clock starting at 1.4 s (the TS muxer's delay).
    const ts = join(dir.path, 'camcorder.ts');
    const lavfi = ['-f', 'lavfi', '-i', `testsrc2=size=160x120:rate=${SOURCE.framerate}:duration=${SOURCE.duration}`];
    await run('ffmpeg', ['-v', 'error', '-y', ...lavfi, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '250', '-f', 'mpegts', ts]);
    const preset = BUILTIN_PRESETS.find((p) => p.presetId === 'builtin-h264-720p')!;
    const output = join(dir.path, '.camcorder-trimmed.mp4.part');
    const source = { ...SOURCE, width: 160, height: 120, audioCodec: '', audioSampleRate: 0, container: 'mpegts' };
    await run('ffmpeg', ffmpegArgv(buildTranscodeCommand({ input: ts, output, preset: preset.settings, source, trim: { start: 0.55, end: 1.55 } })));
    // 0.6 … 1.5 s: with the input seek the decoder waited for an IDR frame that never came and wrote none.
    assert.equal((await outputFacts(output)).videoFrames, 10);
  });
});
