import { hostname } from 'node:os';
import type { AppConfig } from '@mpr/core';

export const CHUNKER_SETTINGS = Symbol('CHUNKER_SETTINGS');

export interface ChunkerSettings {
  /** Segment encodes this replica runs at once (MPR_CHUNK_WORKERS). */
  readonly workers: number;
  readonly ackWaitMs: number;
  /** Deliveries of one segment item before the segment (and its job) fails. */
  readonly maxDeliver: number;
  /** Delay before a failed segment is tried again (nak with delay). */
  readonly retryDelayMs: number;
  /** `<hostname>-<pid>`: the replica id in telemetry and JobStarted. */
  readonly replicaId: string;
  /** How often the coordinator publishes progress and looks at the segments' files. */
  readonly tickMs: number;
}

export function chunkerSettings(config: AppConfig): ChunkerSettings {
  return {
    workers: config.MPR_CHUNK_WORKERS,
    ackWaitMs: config.MPR_WORK_ACK_WAIT_SECONDS * 1000,
    maxDeliver: 3,
    retryDelayMs: 1_000,
    replicaId: `${hostname()}-${process.pid}`,
    tickMs: 250,
  };
}

/** The attempt's work directory, relative to MEDIA_OUT: hidden, one per attempt. */
export function chunkWorkDir(jobId: string, attempt: number): string {
  return `.mpr-chunks/${jobId}-a${attempt}`;
}

export function segmentName(index: number): string {
  return `segment-${String(index).padStart(3, '0')}.mkv`;
}

export function pieceName(piece: number): string {
  return `piece-${String(piece).padStart(3, '0')}.mkv`;
}
