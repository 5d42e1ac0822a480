import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildStitchProbe, readStitchFacts, type StitchFacts, type StitchProbeOutput } from '../chunking/stitch.verifier';
import { FfprobeRepository } from '../media/ffprobe.repository';

const run = promisify(execFile);

/** Tiny media made with ffmpeg's test sources: a few KB each, generated per run. */
const RECIPES: Record<string, string[]> = {
  mp4: ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac'],
  mkv: ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'libopus'],
  avi: ['-c:v', 'mpeg4', '-c:a', 'libmp3lame'],
  mov: ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac'],
  webm: ['-c:v', 'libvpx', '-deadline', 'realtime', '-c:a', 'libopus'],
  flv: ['-c:v', 'flv', '-c:a', 'libmp3lame', '-ar', '44100'],
  wmv: ['-c:v', 'wmv2', '-c:a', 'wmav2'],
  m4v: ['-c:v', 'libx264', '-preset', 'ultrafast', '-an', '-f', 'mp4'],
};
const AUDIO_RECIPES: Record<string, string[]> = {
  mp3: ['-c:a', 'libmp3lame'],
  wav: ['-c:a', 'pcm_s16le'],
  flac: ['-c:a', 'flac'],
  aac: ['-c:a', 'aac'],
  ogg: ['-c:a', 'libvorbis'],
  m4a: ['-c:a', 'aac', '-f', 'ipod'],
};

export interface VideoOptions {
  seconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  audio?: boolean;
}

export async function makeVideo(path: string, options: VideoOptions = {}): Promise<string> {
  const { seconds = 1, width = 160, height = 120, fps = 10, audio = true } = options;
  const ext = path.slice(path.lastIndexOf('.') + 1);
  const recipe = RECIPES[ext] ?? RECIPES.mp4;
  await mkdir(dirname(path), { recursive: true });
  const inputs = ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`];
  if (audio) inputs.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`);
  const args = ['-v', 'error', '-y', ...inputs, ...recipe, ...(audio ? [] : ['-an']), '-pix_fmt', 'yuv420p', path];
  await run(
    'ffmpeg',
    args.filter((a, i, all) => !(a === '-an' && all.indexOf('-an') !== i)),
  );
  return path;
}

/**
 * A MOV as a phone writes it held upright: the coded picture `width`×`height` and a display matrix turning it by
 * `rotation` degrees. ffmpeg 5.1 writes the matrix from the rotate tag only on a stream copy (an encode drops the
 * tag), so the clip is encoded first and then copied with it.
 */
export async function makeRotatedVideo(path: string, rotation: 90 | 180 | 270, options: VideoOptions = {}): Promise<string> {
  const plain = await makeVideo(`${path}.plain.mov`, options);
  try {
    await run('ffmpeg', ['-v', 'error', '-y', '-i', plain, '-c', 'copy', '-metadata:s:v', `rotate=${rotation}`, '-f', 'mov', path]);
  } finally {
    await rm(plain, { force: true });
  }
  return path;
}

export async function makeAudio(path: string, seconds = 1): Promise<string> {
  const ext = path.slice(path.lastIndexOf('.') + 1);
  await mkdir(dirname(path), { recursive: true });
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`, ...AUDIO_RECIPES[ext], path]);
  return path;
}

export interface UnevenStreamsOptions {
  /** Video frames (testsrc2), at `fps`. */
  frames: number;
  fps: number;
  /** Seconds of sine audio: more or less than the video's frames/fps. */
  audioSeconds: number;
  width?: number;
  height?: number;
}

/**
 * A file whose audio and video end apart, as phones, cameras and old AVIs
 * write them: 166 frames at 30 fps under 5.568 s of audio (35 ms longer), or
 * MP3 audio that stops well before the video. The container's duration is
 * then its longest stream's.
 */
export async function makeUnevenStreams(path: string, options: UnevenStreamsOptions): Promise<string> {
  const { frames, fps, audioSeconds, width = 160, height = 120 } = options;
  const ext = path.slice(path.lastIndexOf('.') + 1);
  const recipe = RECIPES[ext] ?? RECIPES.mp4;
  await mkdir(dirname(path), { recursive: true });
  // trim, not -frames:v, which would end the audio with the video.
  const video = `testsrc2=size=${width}x${height}:rate=${fps},trim=end_frame=${frames}`;
  const audio = `sine=frequency=440:sample_rate=48000:duration=${audioSeconds}`;
  await run('ffmpeg', ['-v', 'error', '-y', ...['-f', 'lavfi', '-i', video], ...['-f', 'lavfi', '-i', audio], ...recipe, '-pix_fmt', 'yuv420p', path]);
  return path;
}

export interface KeyframedSourceOptions {
  seconds: number;
  fps: number;
  /** `WIDTHxHEIGHT`, as testsrc2 takes it. */
  size: string;
  /** libx264's preset; ultrafast unless the test needs B-frames from a slower one. */
  preset?: string;
  /** Of the 440 Hz tone. */
  sampleRate?: number;
  /** Output options after the recipe's, e.g. `-crf 18`, `-bf 2`, `-f mpegts`. */
  output?: string[];
}

/**
 * H.264 and AAC with a keyframe every second and none in between (the
 * chunker splits on keyframes), under a tone as long as the video.
 */
export async function makeKeyframedSource(path: string, options: KeyframedSourceOptions): Promise<string> {
  const { seconds, fps, size, preset = 'ultrafast', sampleRate = 48000, output = [] } = options;
  await mkdir(dirname(path), { recursive: true });
  const video = `testsrc2=size=${size}:rate=${fps}:duration=${seconds}`;
  const audio = `sine=frequency=440:sample_rate=${sampleRate}:duration=${seconds}`;
  const keyframes = ['-g', String(fps), '-sc_threshold', '0'];
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    ...['-f', 'lavfi', '-i', video],
    ...['-f', 'lavfi', '-i', audio],
    '-c:v',
    'libx264',
    '-preset',
    preset,
    ...keyframes,
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    ...output,
    path,
  ]);
  return path;
}

export interface StreamProbe {
  duration: number;
  streams: Array<{ codec_type: string; codec_name: string; duration?: string; nb_frames?: string; width?: number; height?: number; sample_rate?: string }>;
}

/** ffprobe's own view of a file: its duration, and per stream the codec, duration, frames, size and sample rate. */
export async function probeStreams(path: string): Promise<StreamProbe> {
  const entries = 'format=duration:stream=codec_type,codec_name,duration,nb_frames,width,height,sample_rate';
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', entries, '-of', 'json', path]);
  const json = JSON.parse(stdout) as { format: { duration: string }; streams: StreamProbe['streams'] };
  return { duration: Number(json.format.duration), streams: json.streams };
}

/** Frames, duration and audio samples of a media file, as the chunker's verification reads them. */
export async function outputFacts(path: string): Promise<StitchFacts> {
  return readStitchFacts(JSON.parse(await new FfprobeRepository().output(buildStitchProbe(path))) as StitchProbeOutput);
}

export const VIDEO_FIXTURE_TYPES = Object.keys(RECIPES);
export const AUDIO_FIXTURE_TYPES = Object.keys(AUDIO_RECIPES);

/**
 * A playlist disguised as a video: ffmpeg's HLS demuxer would read the listed
 * "segment" (a local file) into its output if allowed to.
 */
export async function makePlaylistTrap(path: string, target = '/etc/passwd'): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile://${target}\n#EXT-X-ENDLIST\n`);
  return path;
}

export async function tempDir(prefix = 'mpr-media-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
