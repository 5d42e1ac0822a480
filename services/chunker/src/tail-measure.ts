/** How late the queued audio's worker starts its video, and how fast one segment encode runs (media seconds per second). */
export interface TailMeasure {
  readonly lagSeconds: number;
  readonly speed: number;
}

/** An encode's first and latest progress reports that had encoded something: its rate between them. */
export interface ProgressSpan {
  readonly firstAt: number;
  readonly firstSeconds: number;
  readonly lastAt: number;
  readonly lastSeconds: number;
}

/** Adds a progress report (at `at` ms, `seconds` encoded) to an encode's span. Pure. */
export function extendSpan(span: ProgressSpan | undefined, at: number, seconds: number): ProgressSpan | undefined {
  if (!(seconds > 0)) return span;
  return span
    ? { ...span, lastAt: at, lastSeconds: Math.max(span.lastSeconds, seconds) }
    : { firstAt: at, firstSeconds: seconds, lastAt: at, lastSeconds: seconds };
}

/** Reports closer than this tell too little of a rate: ffmpeg reports about twice a second, in steps of what its muxer wrote. */
const MIN_SPAN_MS = 400;

/**
 * The tail's measure when the audio is done: its lag behind the earliest
 * video encode's start (or the queueing), and the mean speed of the video
 * encodes running then. The speed is each encode's rate between its first
 * and latest reports: counted from its start it would include the process's
 * start-up and the encoder's lookahead, which hold the reported time back
 * (measured with from-the-start rates, the bench's tail moved ~40 % too
 * little). Pure.
 */
export function measureTail(
  firstHeard: ReadonlyMap<number, number>,
  spans: ReadonlyMap<number, ProgressSpan>,
  at: { count: number; queuedAt: number; audioDoneAt: number },
): TailMeasure {
  const videoStarts = [...firstHeard].filter(([index]) => index < at.count).map(([, t]) => t);
  const videoStart = videoStarts.length > 0 ? Math.min(...videoStarts) : at.queuedAt;
  const speeds = [...spans]
    .filter(([index, s]) => index < at.count && s.lastAt - s.firstAt >= MIN_SPAN_MS)
    .map(([, s]) => (s.lastSeconds - s.firstSeconds) / ((s.lastAt - s.firstAt) / 1000));
  const speed = speeds.length > 0 ? speeds.reduce((a, b) => a + b, 0) / speeds.length : 0;
  return { lagSeconds: Math.max(0, (at.audioDoneAt - videoStart) / 1000), speed };
}
