import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_PRESETS } from '../domain/builtin-presets';
import { ValidationError } from '../errors/domain.errors';
import type { PresetSettingsInit } from '../domain/preset.decider';
import { ffmpegArgv } from './ffmpeg-command';
import { outputSampleRate } from './audio-codec.config';
import { buildTranscodeCommand, type TranscodeRequest } from './transcode-command';
import { UnsupportedCombination } from './transcode.errors';
import { INPUT_FORMAT_WHITELIST } from '../media/media-types';

const INPUT = '/media/in/clip.mkv';
const OUTPUT = '/media/out/.clip.part';
const HEAD = ['-hide_banner', '-nostdin', '-y'];
const IN = ['-protocol_whitelist', 'file,pipe', '-format_whitelist', INPUT_FORMAT_WHITELIST.join(','), '-i', `file:${INPUT}`];
/** An encode without a preset frame rate keeps the source's frames, and their times in the source's time base. */
const SOURCE_FRAMES = ['-fps_mode', 'vfr', '-enc_time_base:v', '-1'];
/** A stream copy has the demuxer make missing timestamps (AVI's B-frames have none). */
const GENPTS = ['-fflags', '+genpts'];
const OUT = `file:${OUTPUT}`;
const FASTSTART = ['-movflags', '+faststart'];
const fit = (box: string) => `scale=${box}:force_original_aspect_ratio=decrease:force_divisible_by=2`;
const HEIGHT_720 = ['-vf', fit("w=iw:h='min(720,ih)'")];
const HEIGHT_1080 = ['-vf', fit("w=iw:h='min(1080,ih)'")];

const FULL_HD = { duration: 10, videoCodec: 'h264', audioCodec: 'aac', width: 1920, height: 1080, framerate: 25, audioSampleRate: 48000 };
const AUDIO_ONLY = { duration: 10, videoCodec: '', audioCodec: 'mp3', audioSampleRate: 44100 };
const SILENT_VIDEO = { ...FULL_HD, audioCodec: '', audioSampleRate: 0 };

const builtin = (presetId: string): PresetSettingsInit => {
  const found = BUILTIN_PRESETS.find((p) => p.presetId === presetId);
  assert.ok(found, presetId);
  return found.settings;
};
const build = (request: Partial<TranscodeRequest> & Pick<TranscodeRequest, 'preset'>) =>
  buildTranscodeCommand({ input: INPUT, output: OUTPUT, source: FULL_HD, ...request });
const argsOf = (request: Partial<TranscodeRequest> & Pick<TranscodeRequest, 'preset'>) => ffmpegArgv(build(request));

describe('buildTranscodeCommand', () => {
  describe('built-in presets on a 1080p source with sound', () => {
    const expected: Record<string, string[]> = {
      'builtin-h264-720p': [
        ...['-map', '0:V:0', '-c:v', 'libx264', '-crf', '23', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', ...HEIGHT_720, ...SOURCE_FRAMES],
        ...['-map', '0:a:0', '-c:a', 'aac', '-b:a', '128k'],
        ...FASTSTART,
        '-f',
        'mp4',
      ],
      'builtin-h264-1080p': [
        ...['-map', '0:V:0', '-c:v', 'libx264', '-crf', '23', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', ...HEIGHT_1080, ...SOURCE_FRAMES],
        ...['-map', '0:a:0', '-c:a', 'aac', '-b:a', '192k'],
        ...FASTSTART,
        '-f',
        'mp4',
      ],
      'builtin-h265-1080p': [
        ...[
          '-map',
          '0:V:0',
          '-c:v',
          'libx265',
          '-crf',
          '28',
          '-preset',
          'fast',
          '-x265-params',
          'log-level=error',
          '-pix_fmt',
          'yuv420p',
          ...HEIGHT_1080,
          ...SOURCE_FRAMES,
          '-tag:v',
          'hvc1',
        ],
        ...['-map', '0:a:0', '-c:a', 'aac', '-b:a', '192k'],
        ...FASTSTART,
        '-f',
        'mp4',
      ],
      'builtin-vp9-720p': [
        ...['-map', '0:V:0', '-c:v', 'libvpx-vp9', '-crf', '32', '-b:v', '0', '-cpu-used', '4'],
        ...['-deadline', 'good', '-row-mt', '1', '-pix_fmt', 'yuv420p', ...HEIGHT_720, ...SOURCE_FRAMES],
        ...['-map', '0:a:0', '-c:a', 'libopus', '-b:a', '128k'],
        '-f',
        'webm',
      ],
      'builtin-av1-720p': [
        ...['-map', '0:V:0', '-c:v', 'libsvtav1', '-crf', '35', '-preset', '8', '-pix_fmt', 'yuv420p', ...HEIGHT_720, ...SOURCE_FRAMES],
        ...['-map', '0:a:0', '-c:a', 'aac', '-b:a', '128k'],
        ...FASTSTART,
        '-f',
        'mp4',
      ],
      'builtin-remux': ['-map', '0:V:0', '-c:v', 'copy', '-map', '0:a:0', '-c:a', 'copy', '-f', 'matroska'],
      'builtin-mp3-192k': ['-vn', '-map', '0:a:0', '-c:a', 'libmp3lame', '-b:a', '192k', '-f', 'mp3'],
      'builtin-aac-192k': ['-vn', '-map', '0:a:0', '-c:a', 'aac', '-b:a', '192k', ...FASTSTART, '-f', 'ipod'],
      'builtin-opus-128k': ['-vn', '-map', '0:a:0', '-c:a', 'libopus', '-b:a', '128k', '-f', 'ogg'],
      'builtin-flac': ['-vn', '-map', '0:a:0', '-c:a', 'flac', '-f', 'flac'],
    };

    it('covers every built-in preset', () => {
      assert.deepStrictEqual(Object.keys(expected).sort(), BUILTIN_PRESETS.map((p) => p.presetId).sort());
    });

    for (const { presetId, settings } of BUILTIN_PRESETS) {
      it(presetId, () => {
        const command = build({ preset: settings });
        assert.deepStrictEqual(ffmpegArgv(command), [...HEAD, ...(settings.videoCodec === 'copy' ? GENPTS : []), ...IN, ...(expected[presetId] ?? []), OUT]);
        assert.equal(command.expectedDuration, 10);
        assert.equal(command.hasVideo, settings.videoCodec !== undefined && settings.videoCodec !== '');
        assert.equal(command.hasAudio, true);
        assert.equal(command.muxer, command.outputs[0].format);
      });
    }
  });

  describe('sources', () => {
    it('an audio-only source under a video preset is refused; under the remux, its audio is copied', () => {
      assert.throws(
        () => build({ preset: builtin('builtin-h264-720p'), source: AUDIO_ONLY }),
        (e: Error) => e instanceof UnsupportedCombination && /makes video, but the source has audio only/.test(e.message),
      );
      const command = build({ preset: builtin('builtin-remux'), source: AUDIO_ONLY });
      assert.deepStrictEqual([command.hasVideo, command.hasAudio], [false, true]);
      assert.ok(ffmpegArgv(command).includes('-vn'));
    });

    it('a source without sound makes a silent video', () => {
      const command = build({ preset: builtin('builtin-h264-720p'), source: SILENT_VIDEO });
      assert.deepStrictEqual(ffmpegArgv(command), [
        ...HEAD,
        ...IN,
        ...['-map', '0:V:0', '-c:v', 'libx264', '-crf', '23', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', ...HEIGHT_720, ...SOURCE_FRAMES],
        '-an',
        ...FASTSTART,
        '-f',
        'mp4',
        OUT,
      ]);
      assert.deepStrictEqual([command.hasVideo, command.hasAudio], [true, false]);
    });

    it('remuxes a silent video without an audio map', () => {
      assert.deepStrictEqual(argsOf({ preset: builtin('builtin-remux'), source: SILENT_VIDEO }), [
        ...HEAD,
        ...GENPTS,
        ...IN,
        '-map',
        '0:V:0',
        '-c:v',
        'copy',
        '-an',
        '-f',
        'matroska',
        OUT,
      ]);
    });

    it("writes the remux of a rotated phone clip as MOV, which keeps its display matrix (Matroska's muxer writes none)", () => {
      const rotated = { ...FULL_HD, container: 'mov,mp4,m4a,3gp,3g2,mj2', rotation: 90 };
      const command = build({ preset: builtin('builtin-remux'), source: rotated });
      assert.equal(command.muxer, 'mov');
      assert.deepStrictEqual(command.outputs[0].options.slice(-2), FASTSTART, "MOV's muxer options");
      assert.equal(build({ preset: builtin('builtin-remux'), source: FULL_HD }).muxer, 'matroska');
      // An encode is turned upright by ffmpeg itself (autorotate), in the preset's container, with no filter of ours.
      const encode = argsOf({ preset: builtin('builtin-h264-720p'), source: rotated });
      assert.deepStrictEqual(encode.slice(encode.indexOf('-vf'), encode.indexOf('-vf') + 2), HEIGHT_720);
      assert.equal(encode[encode.indexOf('-f') + 1], 'mp4');
    });

    it('turns the picture by a filter when the input lost the display matrix (turn), before scaling it', () => {
      const rotated = { ...FULL_HD, rotation: 90 };
      const args = argsOf({ preset: builtin('builtin-h264-720p'), source: rotated, turn: true });
      assert.equal(args[args.indexOf('-vf') + 1], `transpose=cclock,${fit("w=iw:h='min(720,ih)'")}`);
      const upright = argsOf({ preset: builtin('builtin-h264-720p'), source: FULL_HD, turn: true });
      assert.deepStrictEqual(upright.slice(upright.indexOf('-vf'), upright.indexOf('-vf') + 2), HEIGHT_720);
    });

    it('rounds odd dimensions down to even ones when the preset sets no size', () => {
      const preset = { container: 'mkv', videoCodec: 'libx264', audioCodec: 'copy' };
      assert.deepStrictEqual(argsOf({ preset, source: { ...FULL_HD, width: 161, height: 121 } }), [
        ...HEAD,
        ...GENPTS,
        ...IN,
        ...['-map', '0:V:0', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2', ...SOURCE_FRAMES],
        ...['-map', '0:a:0', '-c:a', 'copy', '-f', 'matroska', OUT],
      ]);
    });

    it('leaves even dimensions alone when the preset sets no size', () => {
      const preset = { container: 'mkv', videoCodec: 'libx264', audioCodec: 'copy' };
      assert.ok(!argsOf({ preset }).includes('-vf'));
    });

    it('scales an odd-sized source with the same fit filter (it rounds down to even sizes)', () => {
      const args = argsOf({ preset: builtin('builtin-h264-720p'), source: { ...FULL_HD, width: 161, height: 121 } });
      assert.deepStrictEqual(args.slice(args.indexOf('-vf'), args.indexOf('-vf') + 2), HEIGHT_720);
    });

    it('never upscales a small source under a 720p preset: the filter is bounded by the source size', () => {
      const small = { ...FULL_HD, width: 320, height: 180 };
      // min(720,ih) keeps 180 lines; ffmpeg evaluates it, so the arguments do not depend on the probe.
      assert.deepStrictEqual(argsOf({ preset: builtin('builtin-h264-720p'), source: small }), argsOf({ preset: builtin('builtin-h264-720p') }));
    });

    it('fits a width-and-height box and sets a frame rate', () => {
      const preset = { container: 'mp4', videoCodec: 'libx264', width: 1280, height: 720, framerate: 29.97, audioCodec: 'aac' };
      const args = argsOf({ preset });
      assert.deepStrictEqual(args.slice(args.indexOf('-pix_fmt'), args.lastIndexOf('-map')), [
        '-pix_fmt',
        'yuv420p',
        '-vf',
        fit("w='min(1280,iw)':h='min(720,ih)'"),
        '-r',
        '29.97',
      ]);
    });

    it('bounds only the width when only the width is set', () => {
      const args = argsOf({ preset: { container: 'webm', videoCodec: 'libaom-av1', videoCrf: 30, videoPreset: '6', width: 640 } });
      assert.deepStrictEqual(args.slice(IN.length + HEAD.length), [
        ...['-map', '0:V:0', '-c:v', 'libaom-av1', '-crf', '30', '-cpu-used', '6', '-pix_fmt', 'yuv420p'],
        ...['-vf', fit("w='min(640,iw)':h=ih"), ...SOURCE_FRAMES, '-an', '-f', 'webm', OUT],
      ]);
    });
  });

  describe('audio', () => {
    it('passes bitrate, channels and sample rate', () => {
      const preset = { container: 'mp3', audioCodec: 'libmp3lame', audioBitrate: '96k', audioChannels: 1, audioSampleRate: 22050 };
      assert.deepStrictEqual(argsOf({ preset }), [
        ...HEAD,
        ...IN,
        '-vn',
        '-map',
        '0:a:0',
        '-c:a',
        'libmp3lame',
        '-b:a',
        '96k',
        '-ac',
        '1',
        '-ar',
        '22050',
        '-f',
        'mp3',
        OUT,
      ]);
    });

    it('names the rate each output plays at, which its samples are counted in', () => {
      // Opus always plays at 48 kHz, whatever rate it was fed (a 16 kHz source, or a preset's 24 kHz).
      assert.equal(outputSampleRate('libopus', undefined, 44100), 48000);
      assert.equal(outputSampleRate('libopus', undefined, 16000), 48000);
      assert.equal(outputSampleRate('libopus', 24000, 16000), 48000);
      assert.equal(outputSampleRate('libmp3lame', undefined, 11025), 11025);
      assert.equal(outputSampleRate('aac', undefined, 22050), 22050);
      assert.equal(outputSampleRate('aac', 44100, 22050), 44100);
      assert.equal(outputSampleRate('copy', undefined, 22050), 22050);
    });

    it('resamples a 44.1 kHz source to 48 kHz for Opus', () => {
      assert.deepStrictEqual(argsOf({ preset: builtin('builtin-opus-128k'), source: AUDIO_ONLY }), [
        ...HEAD,
        ...IN,
        '-vn',
        '-map',
        '0:a:0',
        '-c:a',
        'libopus',
        '-b:a',
        '128k',
        '-ar',
        '48000',
        '-f',
        'ogg',
        OUT,
      ]);
    });

    it('refuses a sample rate the encoder cannot take', () => {
      const preset = { container: 'ogg', audioCodec: 'libopus', audioSampleRate: 44100 };
      assert.throws(
        () => build({ preset }),
        (e) => e instanceof UnsupportedCombination && /libopus cannot encode at 44100 Hz/.test(e.message),
      );
    });

    it('encodes the first audio stream when the preset sets nothing but the codec', () => {
      assert.deepStrictEqual(argsOf({ preset: { container: 'wav', audioCodec: 'pcm_s16le' } }), [
        ...HEAD,
        ...IN,
        '-vn',
        '-map',
        '0:a:0',
        '-c:a',
        'pcm_s16le',
        '-f',
        'wav',
        OUT,
      ]);
    });
  });

  describe('combinations', () => {
    it('makes audio of a video with an audio-only preset', () => {
      const command = build({ preset: builtin('builtin-aac-192k') });
      assert.deepStrictEqual([command.hasVideo, command.hasAudio, command.muxer], [false, true, 'ipod']);
    });

    it('refuses an audio-only preset on a video without sound', () => {
      assert.throws(
        () => build({ preset: builtin('builtin-mp3-192k'), source: SILENT_VIDEO }),
        (e) =>
          e instanceof UnsupportedCombination &&
          e.code === 'BAD_USER_INPUT' &&
          e.message === 'preset "MP3 192k" makes audio, but the source has video only: the output would be empty',
      );
    });

    it('refuses a video-only preset on an audio file', () => {
      const preset = { name: 'Silent H.264', container: 'mp4', videoCodec: 'libx264' };
      assert.throws(() => build({ preset, source: AUDIO_ONLY }), UnsupportedCombination);
    });

    it('refuses an unknown container or codec', () => {
      assert.throws(
        () => build({ preset: { container: 'avi', audioCodec: 'aac' } }),
        (e) => e instanceof ValidationError && e.field === 'container',
      );
      assert.throws(
        () => build({ preset: { container: 'mkv', videoCodec: 'mpeg2video' } }),
        (e) => e instanceof ValidationError && e.field === 'videoCodec',
      );
      assert.throws(
        () => build({ preset: { container: 'mkv', audioCodec: 'ac3' } }),
        (e) => e instanceof ValidationError && e.field === 'audioCodec',
      );
    });

    it('refuses relative paths', () => {
      assert.throws(() => build({ preset: builtin('builtin-flac'), output: 'out.flac' }), /must be absolute/);
    });
  });

  describe('trim', () => {
    const preset = builtin('builtin-h264-720p');
    const tail = argsOf({ preset }).slice(HEAD.length + IN.length);

    it('seeks the input for a start only and lasts to the end of the source', () => {
      const command = build({ preset, trim: { start: 2.5 } });
      assert.deepStrictEqual(ffmpegArgv(command), [...HEAD, '-ss', '2.5', ...IN, ...tail]);
      assert.equal(command.expectedDuration, 7.5);
    });

    it('limits the output for an end only', () => {
      const command = build({ preset, trim: { end: 4 } });
      assert.deepStrictEqual(ffmpegArgv(command), [...HEAD, ...IN, '-t', '4', ...tail]);
      assert.equal(command.expectedDuration, 4);
    });

    it('seeks and limits for both, with microsecond precision and no float noise', () => {
      const command = build({ preset, trim: { start: 0.2, end: 1.3 } });
      assert.deepStrictEqual(ffmpegArgv(command), [...HEAD, '-ss', '0.2', ...IN, '-t', '1.1', ...tail]);
      assert.equal(command.expectedDuration, 1.1);
    });

    it('writes times with at most 6 decimals and never an exponent', () => {
      const args = argsOf({ preset, trim: { start: 1e-7, end: 1 / 3 } });
      assert.deepStrictEqual([args[4], args[IN.length + 6]], ['0', '0.333333']);
    });

    it('reads to the end of the source, expecting no more than it holds, when the end is at or past it', () => {
      for (const end of [10, 12]) {
        const command = build({ preset, trim: { start: 8, end } });
        // Like the whole source: no -t, so frames the decoder stamps past the declared end are kept.
        assert.deepStrictEqual(ffmpegArgv(command), [...HEAD, '-ss', '8', ...IN, ...tail]);
        assert.equal(command.expectedDuration, 2);
      }
    });

    it('cuts an MPEG-TS or MPEG-PS source after decoding it from its start: their input seek lands on any packet', () => {
      for (const container of ['mpegts', 'mpeg']) {
        const command = build({ preset, source: { ...FULL_HD, container }, trim: { start: 0.6, end: 2.4 } });
        assert.deepStrictEqual(ffmpegArgv(command), [...HEAD, ...IN, '-ss', '0.6', '-t', '1.8', ...tail], container);
        assert.equal(command.expectedDuration, 1.8);
      }
    });

    it('still seeks the input for a stream copy of an MPEG-TS (nothing is decoded to cut)', () => {
      const args = argsOf({ preset: builtin('builtin-remux'), source: { ...FULL_HD, container: 'mpegts' }, trim: { start: 1, end: 3 } });
      assert.deepStrictEqual(args.slice(0, HEAD.length + 2), [...HEAD, '-ss', '1']);
    });

    it('trims a stream copy the same way', () => {
      assert.deepStrictEqual(argsOf({ preset: builtin('builtin-remux'), trim: { start: 1, end: 3 } }), [
        ...HEAD,
        '-ss',
        '1',
        ...GENPTS,
        ...IN,
        '-t',
        '2',
        '-map',
        '0:V:0',
        '-c:v',
        'copy',
        '-map',
        '0:a:0',
        '-c:a',
        'copy',
        '-f',
        'matroska',
        OUT,
      ]);
    });

    describe('audio timed by its samples (AVI)', () => {
      const AVI_INPUT = ['-protocol_whitelist', 'file,pipe', '-format_whitelist', INPUT_FORMAT_WHITELIST.join(','), '-i', 'file:/media/in/clip.avi'];
      const AVI = { ...FULL_HD, container: 'avi', audioCodec: 'mp3', audioSampleRate: 44100 };
      const avi = (request: Partial<TranscodeRequest> & Pick<TranscodeRequest, 'preset'>) =>
        ffmpegArgv(build({ input: '/media/in/clip.avi', source: AVI, ...request }));
      const video = argsOf({ preset }).slice(HEAD.length + IN.length, argsOf({ preset }).indexOf('0:a:0') - 1);

      it('re-times the audio from its samples', () => {
        assert.deepStrictEqual(avi({ preset }), [
          ...HEAD,
          ...AVI_INPUT,
          ...video,
          '-map',
          '0:a:0',
          '-af',
          'asetpts=N/SR/TB',
          '-c:a',
          'aac',
          '-b:a',
          '128k',
          ...FASTSTART,
          '-f',
          'mp4',
          OUT,
        ]);
      });

      it('counts the samples from where the audio starts', () => {
        const args = avi({ preset, source: { ...AVI, audioStart: 0.25 } });
        assert.equal(args[args.indexOf('-af') + 1], 'asetpts=N/SR/TB+0.25/TB');
      });

      it('trims the audio on that clock from an unseeked second input, the video still seeking', () => {
        assert.deepStrictEqual(avi({ preset, trim: { start: 2, end: 5 } }), [
          ...HEAD,
          '-ss',
          '2',
          ...AVI_INPUT,
          ...AVI_INPUT,
          '-t',
          '3',
          ...video,
          ...['-map', '1:a:0', '-af', 'asetpts=N/SR/TB,atrim=start=2,asetpts=PTS-STARTPTS', '-c:a', 'aac', '-b:a', '128k'],
          ...FASTSTART,
          '-f',
          'mp4',
          OUT,
        ]);
      });

      it('trims audio alone without any input seek', () => {
        assert.deepStrictEqual(avi({ preset: builtin('builtin-mp3-192k'), trim: { start: 2, end: 5 } }), [
          ...HEAD,
          ...AVI_INPUT,
          ...['-t', '3', '-vn', '-map', '0:a:0', '-af', 'asetpts=N/SR/TB,atrim=start=2,asetpts=PTS-STARTPTS'],
          ...['-c:a', 'libmp3lame', '-b:a', '192k', '-f', 'mp3', OUT],
        ]);
      });

      it('leaves a stream copy and other containers as they are', () => {
        assert.equal(avi({ preset: builtin('builtin-remux'), trim: { start: 2 } }).includes('-af'), false);
        assert.equal(argsOf({ preset, source: { ...AVI, container: 'matroska,webm' } }).includes('-af'), false);
      });
    });

    const invalid: Array<[string, { start?: number; end?: number }, string]> = [
      ['a start at the end of the source', { start: 10 }, 'trimStart'],
      ['a start past the end of the source', { start: 11, end: 12 }, 'trimStart'],
      ['a negative start', { start: -1 }, 'trimStart'],
      ['a start that is not a number', { start: Number.NaN }, 'trimStart'],
      ['an end before the start', { start: 3, end: 2 }, 'trimEnd'],
      ['an end equal to the start', { start: 3, end: 3 }, 'trimEnd'],
      ['an end at 0', { end: 0 }, 'trimEnd'],
      ['an infinite end', { end: Number.POSITIVE_INFINITY }, 'trimEnd'],
    ];
    for (const [name, trim, field] of invalid) {
      it(`refuses ${name}`, () => {
        assert.throws(
          () => build({ preset, trim }),
          (e) => e instanceof ValidationError && e.field === field,
        );
      });
    }
  });
});
