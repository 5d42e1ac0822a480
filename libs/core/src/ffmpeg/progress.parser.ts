/** One block of `ffmpeg -progress`: where the encode is and how fast it goes. */
export interface ProgressSnapshot {
  /** Seconds of output written. */
  readonly outTimeSeconds: number;
  /** Frames encoded per second; 0 while unknown or for audio. */
  readonly fps: number;
  /** Output seconds per wall-clock second (ffmpeg's "1.5x"); 0 while unknown. */
  readonly speed: number;
  /** Frames written; 0 for audio. */
  readonly frame: number;
  /** ffmpeg wrote its last block (`progress=end`). */
  readonly done: boolean;
}

const INITIAL: ProgressSnapshot = { outTimeSeconds: 0, fps: 0, speed: 0, frame: 0, done: false };

/**
 * Reads `ffmpeg -progress pipe:1`: blocks of `key=value` lines, each closed
 * by `progress=continue` or, at the end, `progress=end`. Chunks may split a
 * line anywhere. A value ffmpeg does not know yet (`N/A`) keeps the previous
 * block's value, so progress never jumps back to 0.
 */
export class ProgressParser {
  private partialLine = '';
  private current: ProgressSnapshot = INITIAL;

  /** Feeds a chunk of ffmpeg's output; returns a snapshot for each block it completed. */
  push(chunk: string): ProgressSnapshot[] {
    const lines = (this.partialLine + chunk).split('\n');
    this.partialLine = lines.pop() ?? '';
    const completed: ProgressSnapshot[] = [];
    for (const line of lines) {
      const snapshot = this.readLine(line.trim());
      if (snapshot) completed.push(snapshot);
    }
    return completed;
  }

  private readLine(line: string): ProgressSnapshot | undefined {
    const eq = line.indexOf('=');
    if (eq < 0) return undefined;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    switch (key) {
      case 'frame':
        this.update('frame', parseNumber(value));
        return undefined;
      case 'fps':
        this.update('fps', parseNumber(value));
        return undefined;
      case 'speed':
        this.update('speed', parseNumber(value.replace(/x$/, '')));
        return undefined;
      // Both are microseconds: out_time_ms is misnamed in ffmpeg 5.1 and kept for compatibility.
      case 'out_time_us':
      case 'out_time_ms': {
        const micros = parseNumber(value);
        // Before the first packet ffmpeg can print a negative time.
        this.update('outTimeSeconds', micros === undefined ? undefined : Math.max(0, micros) / 1e6);
        return undefined;
      }
      case 'progress':
        this.current = { ...this.current, done: value === 'end' };
        return this.current;
      default:
        return undefined;
    }
  }

  private update(field: 'frame' | 'fps' | 'speed' | 'outTimeSeconds', value: number | undefined): void {
    if (value !== undefined) this.current = { ...this.current, [field]: value };
  }
}

/** A number, or undefined for `N/A` and anything else ffmpeg prints while it does not know. */
function parseNumber(text: string): number | undefined {
  if (text === '' || text === 'N/A') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Share of the expected output written, 0..100. */
export function progressPercent(outTimeSeconds: number, expectedDuration: number): number {
  if (!(expectedDuration > 0) || !(outTimeSeconds > 0)) return 0;
  return Math.min(100, (outTimeSeconds / expectedDuration) * 100);
}

/** Seconds left at the current speed, or undefined while the speed is unknown. */
export function etaSeconds(outTimeSeconds: number, expectedDuration: number, speed: number): number | undefined {
  if (!(speed > 0) || !Number.isFinite(speed)) return undefined;
  return Math.max(0, expectedDuration - Math.max(0, outTimeSeconds)) / speed;
}
