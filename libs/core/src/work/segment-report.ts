import type { StreamNames } from '../events/streams';

/**
 * A segment encode's news, published by the worker on core NATS (not
 * stored: the files are the truth) to its coordinator, which sizes and
 * watches the encodes by it, and to the gateway, which streams it as the
 * segment's progress.
 */
export interface SegmentReport {
  readonly index: number;
  /** Media seconds encoded so far (0 for the audio, which reports only its start and end). */
  readonly outTimeSeconds: number;
  /** The segment's length in media seconds (cut end − cut start); absent in reports of chunkers before it was added. */
  readonly durationSeconds?: number;
  /** Sent once the segment's file is in place: the coordinator looks at once instead of at its next tick. */
  readonly done?: boolean;
  /** The report is about the range's audio, not a video segment. */
  readonly audio?: boolean;
}

/** `<root>.chunker.<jobId>.a<attempt>`; `'*'` for every attempt of the job. */
export function segmentReportSubject(names: StreamNames, jobId: string, attempt: number | '*'): string {
  return `${names.subjectRoot}.chunker.${jobId}.${attempt === '*' ? '*' : `a${attempt}`}`;
}

/** The attempt a report's subject names, or undefined for a subject of another shape. */
export function segmentReportAttempt(subject: string): number | undefined {
  const match = /\.a(\d+)$/.exec(subject);
  return match ? Number(match[1]) : undefined;
}
