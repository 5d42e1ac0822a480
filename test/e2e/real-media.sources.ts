import { execFile } from 'node:child_process';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describePackagedFile, type PackagedFile, packagedFile } from '@mpr/core/testing/package-media.fetcher';

const run = promisify(execFile);

/** One source of the real-media matrix: a file under MEDIA_IN, where it came from, and what it stands for. */
export interface MatrixSource {
  /** File name under MEDIA_IN; its extension is one the scan accepts. */
  readonly name: string;
  /** The package a real file came from, or how ffmpeg made it. */
  readonly origin: string;
  /** What the source brings to the matrix (audio longer than video, open GOPs, …). */
  readonly covers: string;
  /**
   * Presets whose jobs on this source do not pass yet ([M5] still open): left out of the default run, so the
   * suite checks what holds; `MPR_REAL_MEDIA_OPEN=1 npm test -- real-media` runs them too, to work on them
   * (with `MPR_REAL_MEDIA_SOURCES=a.avi,b.mkv` to run only those sources).
   */
  readonly open?: { readonly presets: 'all' | readonly string[]; readonly why: string };
  make(path: string): Promise<void>;
}

/** The presets the matrix runs on a source: all of them, less its open ones unless MPR_REAL_MEDIA_OPEN=1. */
export function matrixPresetIds(source: MatrixSource, all: readonly string[]): string[] {
  if (!source.open || process.env.MPR_REAL_MEDIA_OPEN === '1') return [...all];
  const { presets } = source.open;
  return presets === 'all' ? [] : all.filter((id) => !presets.includes(id));
}

const PYGAME_DATA = 'usr/share/doc/python-pygame-doc/examples/data';
const HOUSE_MP3: PackagedFile = { registry: 'debian', pkg: 'python-pygame-doc', path: `${PYGAME_DATA}/house_lo.mp3` };
const HOUSE_OGG: PackagedFile = { registry: 'debian', pkg: 'python-pygame-doc', path: `${PYGAME_DATA}/house_lo.ogg` };
const BLUE_MPG: PackagedFile = { registry: 'debian', pkg: 'python-pygame-doc', path: `${PYGAME_DATA}/blue.mpg` };
const MUXJS = 'package/test/segments';
const SINTEL_TS: PackagedFile = { registry: 'npm', pkg: 'mux.js@7.1.0', path: `${MUXJS}/sintel-captions.ts` };
const FMP4_INIT: PackagedFile = { registry: 'npm', pkg: 'mux.js@7.1.0', path: `${MUXJS}/malformed-sei-init.mp4` };
const FMP4_SEGMENT: PackagedFile = { registry: 'npm', pkg: 'mux.js@7.1.0', path: `${MUXJS}/malformed-sei.m4s` };
const SHUTTER_OGA: PackagedFile = { registry: 'debian', pkg: 'sound-theme-freedesktop', path: 'usr/share/sounds/freedesktop/stereo/camera-shutter.oga' };

const ffmpeg = (args: string[]) => run('ffmpeg', ['-v', 'error', '-y', ...args]);
const testsrc = (size: string, fps: number, seconds: number) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}:duration=${seconds}`];
const tone = (rate: number, seconds: number) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${rate}:duration=${seconds}`];

/** 160×120 at 25 fps for `videoSeconds` and a tone at `rate` Hz for `audioSeconds`, encoded with `codecs` (output options). */
function synthesize(videoSeconds: number, audio: { rate: number; seconds: number }, codecs: string[]): string[] {
  return [...testsrc('160x120', 25, videoSeconds), ...tone(audio.rate, audio.seconds), ...codecs];
}

/** Copies a packaged file's streams unchanged (`-c copy`) into a container the scan accepts. */
async function copyStreams(path: string, inputs: string[], extra: string[] = []): Promise<void> {
  await ffmpeg([...inputs, '-c', 'copy', ...extra, path]);
}

const ALL_SOURCES: readonly MatrixSource[] = [
  {
    name: 'sintel.mp4',
    origin: `${describePackagedFile(SINTEL_TS)}, streams copied from MPEG-TS into MP4`,
    covers: 'real H.264 + AAC 22.05 kHz; the video starting 0.119 s after the audio (edit list), the audio ending 0.27 s before it',
    async make(path) {
      await copyStreams(path, ['-i', await packagedFile(SINTEL_TS)], ['-map', '0:v:0', '-map', '0:a:0']);
    },
  },
  {
    name: 'fragmented-late.mp4',
    origin: `${describePackagedFile(FMP4_INIT)} + ${describePackagedFile(FMP4_SEGMENT)}, concatenated`,
    covers: 'real fragmented MP4 (H.264 + AAC 44.1 kHz) whose clock starts at 66 s',
    async make(path) {
      const parts = await Promise.all([packagedFile(FMP4_INIT), packagedFile(FMP4_SEGMENT)].map(async (p) => readFile(await p)));
      await writeFile(path, Buffer.concat(parts));
    },
  },
  {
    name: 'house.ogg',
    origin: describePackagedFile(HOUSE_OGG),
    covers: 'real Ogg Vorbis, 11.025 kHz mono, audio only',
    async make(path) {
      await copyStreams(path, ['-i', await packagedFile(HOUSE_OGG)]);
    },
  },
  {
    name: 'blue-house.avi',
    origin: `${describePackagedFile(BLUE_MPG)} (video) + the first 1.2 s of ${describePackagedFile(HOUSE_MP3)}, streams copied into AVI`,
    covers:
      'a tiny file: real MPEG-1 video (24 frames at 30 fps, 0.8 s; the AVI ticks at 60) with real 11.025 kHz MP3 (1.2 s, stamped over 2.35 s) in AVI, the audio longer than the video',
    async make(path) {
      await copyStreams(path, ['-i', await packagedFile(BLUE_MPG), '-t', '1.2', '-i', await packagedFile(HOUSE_MP3)], ['-map', '0:v:0', '-map', '1:a:0']);
    },
  },
  {
    name: 'open-gop.mp4',
    origin: 'ffmpeg: libx264 with B-frames and open GOPs, AAC',
    covers: 'open GOPs, B-frames, AAC priming in an edit list, audio (2.4 s) longer than video (2 s)',
    async make(path) {
      const codecs = ['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2', '-x264-params', 'keyint=25:open-gop=1', '-pix_fmt', 'yuv420p', '-c:a', 'aac'];
      await ffmpeg([...synthesize(2, { rate: 48000, seconds: 2.4 }, codecs), path]);
    },
  },
  {
    name: 'mp3.flv',
    origin: 'ffmpeg: FLV1 (Sorenson) video with MP3 audio',
    covers: 'MP3 in FLV',
    async make(path) {
      await ffmpeg([...synthesize(2, { rate: 44100, seconds: 2 }, ['-c:v', 'flv', '-g', '25', '-c:a', 'libmp3lame']), path]);
    },
  },
  {
    name: 'packed-bframes.avi',
    origin: 'ffmpeg: MPEG-4 Part 2 with B-frames in AVI, MP3 audio',
    covers: 'MPEG-4 Part 2 B-frames in AVI (packets without timestamps), MP3 in AVI, audio (1.13 s) shorter than video (1.6 s)',
    async make(path) {
      await ffmpeg([...synthesize(1.6, { rate: 44100, seconds: 1.13 }, ['-c:v', 'mpeg4', '-bf', '2', '-g', '12', '-c:a', 'libmp3lame']), path]);
    },
  },
  {
    name: 'vfr-opus.webm',
    origin: 'ffmpeg: VP9 + Opus in WebM, 4 of every 10 frames dropped',
    covers: 'variable frame rate, Opus (pre-skip)',
    async make(path) {
      const codecs = [
        '-vf',
        "select='lt(mod(n\\,10)\\,6)'",
        '-fps_mode',
        'vfr',
        '-c:v',
        'libvpx-vp9',
        '-deadline',
        'realtime',
        '-cpu-used',
        '8',
        '-g',
        '25',
        '-c:a',
        'libopus',
      ];
      await ffmpeg([...synthesize(2, { rate: 48000, seconds: 2 }, codecs), path]);
    },
  },
  {
    name: 'wma.wmv',
    origin: 'ffmpeg: WMV2 video with WMA2 audio (44.1 kHz) in ASF',
    covers: "WMV/WMA: the WMA decoder's first frame 0.092 s in, and one frame fewer than its packets (the probe decodes WMA for its span)",
    async make(path) {
      await ffmpeg([...synthesize(2, { rate: 44100, seconds: 2 }, ['-c:v', 'wmv2', '-g', '25', '-c:a', 'wmav2']), path]);
    },
  },
  {
    name: 'no-cues.mkv',
    origin: 'ffmpeg: MPEG-4 Part 2 + AAC written to a pipe as Matroska',
    covers: 'Matroska without cues, seek head or duration (3.6 s)',
    async make(path) {
      const { stdout } = await run(
        'ffmpeg',
        ['-v', 'error', ...synthesize(3.6, { rate: 48000, seconds: 3.6 }, ['-c:v', 'mpeg4', '-g', '25', '-c:a', 'aac', '-f', 'matroska', 'pipe:1'])],
        { encoding: 'buffer', maxBuffer: 64 << 20 },
      );
      await writeFile(path, stdout);
    },
  },
  {
    name: 'phone.3gp',
    origin: 'ffmpeg: 3GP (brand 3gp4) with H.263 176×144 at 15 fps and 16 kHz mono AAC',
    covers: 'a feature-phone clip: H.263, low-rate audio (16 kHz; an Opus output still plays at 48 kHz)',
    async make(path) {
      const video = ['-f', 'lavfi', '-i', 'testsrc2=size=176x144:rate=15:duration=2'];
      await ffmpeg([...video, ...tone(16000, 2), '-c:v', 'h263', '-g', '15', '-c:a', 'aac', '-ac', '1', '-b:a', '24k', '-f', '3gp', path]);
    },
  },
  {
    name: 'phone-rotated.mov',
    origin: 'ffmpeg: H.264 160×90 at 30 fps + AAC in MOV, then stream-copied with a 90° display matrix (-metadata:s:v rotate=90)',
    covers:
      'a phone clip shot upright: a rotation display matrix (ffmpeg turns the picture upright when it encodes; the remux writes MOV, which keeps the matrix, where Matroska would not)',
    async make(path) {
      // ffmpeg 5.1 writes the display matrix only on a stream copy (an encode drops the rotate tag): two steps.
      const plain = `${path}.plain.mov`;
      const codecs = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30', '-c:a', 'aac'];
      await ffmpeg([...testsrc('160x90', 30, 1.5), ...tone(48000, 1.5), ...codecs, plain]);
      await ffmpeg(['-i', plain, '-c', 'copy', '-metadata:s:v', 'rotate=90', path]);
      await rm(plain);
    },
  },
  {
    name: 'screen-capture.mkv',
    origin: 'ffmpeg: H.264 at a variable rate (the picture still for 0.5 s), two audio tracks and SubRip subtitles in Matroska',
    covers:
      'a screen capture: variable frame rate, a first audio track (AAC 48 kHz mono, 2 s) and a longer second one (Opus stereo, 2.4 s), a subtitle stream; outputs keep the first video and first audio only',
    async make(path) {
      const srt = `${path}.srt`;
      await writeFile(srt, '1\n00:00:00,200 --> 00:00:01,000\nRecording started\n\n2\n00:00:01,200 --> 00:00:01,900\nClick Save\n');
      await ffmpeg([
        ...testsrc('160x120', 30, 2),
        ...tone(48000, 2),
        ...['-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=44100:duration=2.4'],
        ...['-i', srt],
        ...['-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:s'],
        // A screen recorder writes a frame only when the screen changes: none for frames 10–24 and 40–44.
        ...['-vf', "select='not(between(n,10,24))*not(between(n,40,44))'", '-fps_mode', 'vfr'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30'],
        ...['-c:a:0', 'aac', '-ac:a:0', '1', '-c:a:1', 'libopus', '-ac:a:1', '2', '-c:s', 'srt'],
        ...['-metadata:s:a:0', 'title=Microphone', '-metadata:s:a:1', 'title=Desktop'],
        path,
      ]);
      await rm(srt);
    },
  },
  {
    name: 'sintel.ts',
    origin: describePackagedFile(SINTEL_TS),
    covers:
      'real broadcast-style MPEG-TS as it ships (H.264 + AAC 22.05 kHz, captions in SEI, the clock starting at 9.88 s, the video 0.119 s after the audio, two keyframes in its 10 s): no keyframe index',
    async make(path) {
      await copyFile(await packagedFile(SINTEL_TS), path);
    },
  },
  {
    name: 'camcorder.mts',
    origin: 'ffmpeg: H.264 (2 s GOPs, B-frames) + AC-3 48 kHz in MPEG-TS, m2ts mode (192-byte packets), the clock starting at 1.4 s',
    covers: "an AVCHD camcorder's .mts: long GOPs, AC-3, a late clock, no keyframe index (a trim lands between keyframes)",
    async make(path) {
      const codecs = ['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'ac3'];
      // The TS muxer's own delay starts the clock at 1.4 s, as a camcorder's does.
      const m2ts = ['-f', 'mpegts', '-mpegts_m2ts_mode', '1'];
      await ffmpeg([...synthesize(4, { rate: 48000, seconds: 4 }, [...codecs, ...m2ts]), path]);
    },
  },
  {
    name: 'camera-shutter.oga',
    origin: describePackagedFile(SHUTTER_OGA),
    covers: 'real Ogg Vorbis at 96 kHz stereo, 0.87 s, audio only (resampled to 48 kHz by Opus and MP3), named as it ships',
    async make(path) {
      // The file as it ships: ffmpeg 5.1's stream copy of it writes a last granule that reads as a 44739 s packet
      // (packetEnds' believedUntil), and a remux of that copy keeps it.
      await copyFile(await packagedFile(SHUTTER_OGA), path);
    },
  },
  {
    name: 'voice-memo.aiff',
    origin: 'ffmpeg: a 44.1 kHz mono tone as big-endian 16-bit PCM in AIFF',
    covers: "a sound editor's AIFF: big-endian PCM, audio only",
    async make(path) {
      await ffmpeg([...tone(44_100, 1.5), '-c:a', 'pcm_s16be', path]);
    },
  },
  {
    name: 'voicemail.au',
    origin: 'ffmpeg: an 8 kHz mono tone as G.711 µ-law in Sun/NeXT au',
    covers: 'telephone audio: 8 kHz µ-law, audio only (MP3 at 8 kHz is MPEG-2.5; Opus resamples to 48 kHz)',
    async make(path) {
      await ffmpeg([...tone(8_000, 1.2), '-c:a', 'pcm_mulaw', path]);
    },
  },
];

/**
 * The sources the matrix runs: all of them, or those named in MPR_REAL_MEDIA_SOURCES (comma-separated file
 * names), to work on a few without encoding the rest; an unknown name is an error, not an empty matrix.
 */
export function matrixSources(env: NodeJS.ProcessEnv = process.env): readonly MatrixSource[] {
  const wanted = (env.MPR_REAL_MEDIA_SOURCES ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (wanted.length === 0) return ALL_SOURCES;
  const unknown = wanted.filter((n) => !ALL_SOURCES.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`MPR_REAL_MEDIA_SOURCES names no source ${unknown.join(', ')}; known: ${ALL_SOURCES.map((s) => s.name).join(', ')}`);
  return ALL_SOURCES.filter((s) => wanted.includes(s.name));
}

export const MATRIX_SOURCES = matrixSources();
