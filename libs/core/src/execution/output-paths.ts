import { posix } from 'node:path';

/**
 * Where an attempt writes while ffmpeg runs: a hidden file next to the final
 * one (so the rename that publishes it stays on one filesystem), named after
 * the job and attempt, so no two attempts share one and stale ones are found.
 */
export function tempPathFor(outputPath: string, jobId: string, attempt: number): string {
  const { dir, base } = posix.parse(outputPath);
  return posix.join(dir, `.${base}.${jobId}-a${attempt}.part`);
}

/** Whether `fileName` (no folder) is a temporary file of some attempt of this job's output. */
export function isTempFileOf(fileName: string, outputPath: string, jobId: string): boolean {
  const prefix = `.${posix.basename(outputPath)}.${jobId}-a`;
  return fileName.startsWith(prefix) && /^\d+\.part$/.test(fileName.slice(prefix.length));
}

/** "clips/a.mp4" → "clips/a-1b2c3d4e.mp4": where a job's output goes when another job's output holds the name. */
export function withJobSuffix(outputPath: string, jobId: string, length = 8): string {
  const { dir, name, ext } = posix.parse(outputPath);
  return posix.join(dir, `${name}-${jobId.slice(0, length)}${ext}`);
}
