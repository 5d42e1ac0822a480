import type { MediaRoot } from '../media/media-root';

const MAX_SUMMARY_LENGTH = 500;
/** The first line that states an error is kept beside the last ones: it is often the cause, the others its effects. */
const MAX_ERROR_LINES = 4;

/**
 * A host path and how a message shows it: a root (`/srv/media/in` → `in`,
 * so its files read `in/clip.mov`) or one file (→ `in/clip.mov`).
 */
export type ShownPath = readonly [hostPath: string, shown: string];

/**
 * The roots as messages show them (`/srv/media/in/a.mov` → `in/a.mov`), for a
 * command that reads or writes files of these roots without naming each one.
 */
export function mediaRootPaths(...roots: readonly MediaRoot[]): ShownPath[] {
  return roots.map((root) => [root.path, root.name]);
}

/**
 * Lines that say nothing about a failure: progress statistics (`frame= … speed=…`,
 * `size= …` when -nostats is missing), the stream totals at the end, the
 * logger's repetition notes, ffmpeg's echo of -stats_period, the info lines
 * x265, SVT-AV1 and libx264 print, and hints that follow an error.
 */
const NOISE = [
  /^frame=\s*\d+/,
  /^size=\s*/,
  /^video:\S+ audio:\S+ subtitle:/,
  /^Last message repeated \d+ times?$/,
  /^ffmpeg stats and -progress period set to/,
  /^x265 \[info\]:/,
  /^Svt\[info\]:/,
  /^\[libx264\] (?:using |profile |264 - core |frame [IPB]:|consecutive B-frames|mb [IPB] |8x8 transform|coded y|i16 |i8 |i4 |i8c |Weighted P-Frames|ref [PB] |kb\/s:)/,
  /^To ignore this, add a trailing '\?' to the map\.$/,
];

/**
 * The headers of ffmpeg's informational blocks; the lines of such a block
 * (metadata, durations, stream descriptions, the stream mapping) are indented.
 */
const BLOCK_HEADERS = [/^Input #\d+/, /^Output #\d+/, /^Stream mapping:$/, /^Press \[q\]/];

/** A line that states an error, as opposed to one that describes the media or the run. */
const STATES_AN_ERROR =
  /error|invalid|fail|not found|unset|can't|cannot|could not|unable|no such|not supported|unsupported|matches no streams|not on whitelist|denied|exceeds|corrupt|missing|incorrect|not divisible|unknown|does not|mismatch|truncat|too (?:large|small|many|short|long)|out of range|non-existent|broken|refus|impossible|no (?:frame|stream|decoder|encoder)|ended prematurely|end of file/i;

/** ffmpeg's closing words, which add nothing once a line says why. */
const GENERIC = /^Conversion failed!$/;

/**
 * The one place that turns ffmpeg's or ffprobe's stderr into the sentence a
 * job or an asset shows: the lines that state an error (the first one and
 * the last few, each shape once), never the informational blocks (`Input #0`,
 * `Stream mapping:`, stream descriptions, metadata); when no line states an
 * error, the last meaningful ones. At most ~500 characters, oldest first, and
 * no host path: `paths` name the roots and files the command used, every
 * other absolute path is cut to its file name, and an attempt's temporary
 * `.<name>.<job>-a<attempt>.part` reads as `<name>`.
 */
export function ffmpegErrorSummary(stderr: string, paths: readonly ShownPath[] = []): string {
  const lines = meaningfulLines(stderr).map((line) => withoutHostPaths(line, paths));
  const errors = onePerShape(lines.filter((line) => STATES_AN_ERROR.test(line) && !GENERIC.test(line)));
  const chosen = errors.length === 0 ? lines : errors.length > MAX_ERROR_LINES ? [errors[0], ...errors.slice(-(MAX_ERROR_LINES - 1))] : errors;
  return lastThatFit(chosen);
}

/** Non-empty lines outside the informational blocks, without noise, the logger's addresses removed. */
function meaningfulLines(stderr: string): string[] {
  const kept: string[] = [];
  let inBlock = false;
  // ffmpeg rewrites its statistics line with \r: split on both.
  for (const raw of stderr.split(/\r\n|\r|\n/)) {
    const line = raw.trim().replace(/^\[([^\]@]+?) @ 0x[0-9a-f]+\]/, '[$1]');
    if (line === '') continue;
    if (BLOCK_HEADERS.some((header) => header.test(line))) {
      inBlock = true;
      continue;
    }
    const indented = /^\s/.test(raw);
    if (inBlock && indented) continue;
    inBlock = false;
    if (indented && !STATES_AN_ERROR.test(line)) continue;
    if (NOISE.some((pattern) => pattern.test(line))) continue;
    kept.push(line);
  }
  return kept;
}

/** "0x00 at pos 213 …" and "0x00 at pos 204 …" are one complaint: the first of each shape stays. */
function onePerShape(lines: string[]): string[] {
  const seen = new Set<string>();
  return lines.filter((line) => {
    const shape = line.replace(/0x[0-9a-f]+|\d+(?:\.\d+)?/gi, '#');
    if (seen.has(shape)) return false;
    seen.add(shape);
    return true;
  });
}

function lastThatFit(lines: string[]): string {
  const kept: string[] = [];
  let length = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (kept.includes(line)) continue;
    if (kept.length > 0 && length + 1 + line.length > MAX_SUMMARY_LENGTH) break;
    kept.unshift(line);
    length += (kept.length > 1 ? 1 : 0) + line.length;
  }
  const summary = kept.join('\n');
  return summary.length > MAX_SUMMARY_LENGTH ? `…${summary.slice(-(MAX_SUMMARY_LENGTH - 1))}` : summary;
}

/** `.clip_h264.mp4.<job id>-a2.part`, an attempt's temporary output (tempPathFor). */
const TEMP_PART = /(^|[/\s'"])\.([^/'"\n]+?)\.[A-Za-z0-9_-]+-a\d+\.part(?=$|[\s'":,;)])/g;
/** An absolute path not named by the caller, with or without `file:`; what follows its last "/" is its file name. */
const OTHER_ABSOLUTE = /(?<![\w.~-])(?:file:)?\/(?:[^\s'"/]+\/)*([^\s'"/]+)/g;

/** Replaces every host path in one line. */
export function withoutHostPaths(line: string, paths: readonly ShownPath[] = []): string {
  let result = line;
  // The longest first: a file inside a root is named before the root is.
  for (const [hostPath, shown] of [...paths].sort((a, b) => b[0].length - a[0].length)) {
    if (hostPath === '' || hostPath === '/') continue;
    const host = hostPath.replace(/\/+$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Only the whole path or a folder of it: /media/in must leave /media/inbox alone.
    result = result.replace(new RegExp(`(?:file:)?${host}(?=$|[/\\s'":,;)])`, 'g'), () => shown);
  }
  result = result.replace(TEMP_PART, '$1$2');
  return result.replace(OTHER_ABSOLUTE, (_match, name: string) => name);
}
