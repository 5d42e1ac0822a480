const MAX_SUMMARY_LENGTH = 500;

/**
 * Lines that say nothing about a failure: progress statistics (`frame= … speed=…`,
 * `size= …` when -nostats is missing), the logger's repetition notes, and the
 * info lines x265 and SVT-AV1 print to stderr past ffmpeg's log level.
 */
const NOISE = [/^frame=\s*\d+/, /^size=\s*/, /^Last message repeated \d+ times?$/, /^x265 \[info\]:/, /^Svt\[info\]:/];

/**
 * The end of ffmpeg's stderr, where it says why it failed ("height not
 * divisible by 2 … Conversion failed!"): the last meaningful lines, each at
 * most once, oldest first, at most ~500 characters.
 */
export function ffmpegErrorSummary(stderr: string): string {
  const kept: string[] = [];
  let length = 0;
  // ffmpeg rewrites its statistics line with \r: split on both.
  const lines = stderr.split(/\r\n|\r|\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line === '' || kept.includes(line) || NOISE.some((pattern) => pattern.test(line))) continue;
    if (kept.length > 0 && length + 1 + line.length > MAX_SUMMARY_LENGTH) break;
    kept.unshift(line);
    length += (kept.length > 1 ? 1 : 0) + line.length;
  }
  const summary = kept.join('\n');
  return summary.length > MAX_SUMMARY_LENGTH ? `…${summary.slice(-(MAX_SUMMARY_LENGTH - 1))}` : summary;
}
