import { hostname } from 'node:os';
import type { AppConfig } from '@mpr/core';

export const TRANSCODER_SETTINGS = Symbol('TRANSCODER_SETTINGS');

/** What the transcoder reads from the validated configuration, in the units it uses. */
export interface TranscoderSettings {
  /** Work items run at once by this replica. */
  readonly concurrency: number;
  readonly ackWaitMs: number;
  /** `<hostname>-<pid>`: with the slot number, names the worker in JobStarted. */
  readonly workerIdPrefix: string;
  /** ffmpeg reporting no progress for this long is killed, and the attempt failed as retryable. */
  readonly stallTimeoutMs: number;
  /**
   * How often an idle replica looks for work nobody announced: redeliveries
   * of items whose worker died (JetStream counts them in no backlog) and
   * announcements missed during a reconnect.
   */
  readonly safetyTickMs: number;
}

export function transcoderSettings(config: AppConfig): TranscoderSettings {
  const ackWaitMs = config.MPR_WORK_ACK_WAIT_SECONDS * 1000;
  return {
    concurrency: config.MPR_TRANSCODE_CONCURRENCY,
    ackWaitMs,
    workerIdPrefix: `${hostname()}-${process.pid}`,
    stallTimeoutMs: 60_000,
    safetyTickMs: Math.min(5_000, Math.max(1_000, ackWaitMs / 2)),
  };
}
