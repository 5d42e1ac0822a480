import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeKeyframedSource } from './media-fixtures';
import { exists, packageMediaCache } from './package-media.fetcher';

const run = promisify(execFile);

/** 10 s of 1080p25 H.264 at a constant 170 Mb/s (x264's CBR filler keeps it there), AAC under it: ≈ 207 MB. */
export const LARGE_SOURCE = { seconds: 10, fps: 25, size: '1920x1080', bitrate: '170M', loops: 5 } as const;

/** The file's name carries its recipe: a changed recipe is a new file, never a stale one read as the new. */
const NAME = `h264-${LARGE_SOURCE.size}-${LARGE_SOURCE.fps}fps-${LARGE_SOURCE.bitrate}-${LARGE_SOURCE.seconds}s.mp4`;

let making: Promise<string> | undefined;

/**
 * A ≈ 200 MB source for the specs that show a service streams an object rather than holding it: made once and kept
 * in the test media cache (`~/.cache/mpr-test-media/generated/`) between runs, as the packaged files are. Cheap to
 * make: 2 s encoded with `ultrafast` (a keyframe every second), then the same packets copied 5 times over
 * (`-stream_loop`), so ffmpeg encodes 50 frames, not 250.
 */
export function largeSource(): Promise<string> {
  making ??= makeOnce().catch((err: unknown) => {
    making = undefined;
    throw err;
  });
  return making;
}

async function makeOnce(): Promise<string> {
  const dir = join(packageMediaCache(), 'generated');
  const target = join(dir, NAME);
  if (await exists(target)) return target;
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(dir, '.large-'));
  try {
    const { seconds, fps, size, bitrate, loops } = LARGE_SOURCE;
    const short = await makeKeyframedSource(join(work, 'short.mp4'), {
      seconds: seconds / loops,
      fps,
      size,
      output: ['-b:v', bitrate, '-minrate', bitrate, '-maxrate', bitrate, '-bufsize', bitrate, '-x264-params', 'nal-hrd=cbr'],
    });
    const long = join(work, NAME);
    await run('ffmpeg', ['-v', 'error', '-y', '-stream_loop', String(loops - 1), '-i', short, '-c', 'copy', '-movflags', '+faststart', long]);
    // Renamed whole once complete: a run stopped half-way leaves no short file for the next to take as the source.
    await rename(long, target);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
