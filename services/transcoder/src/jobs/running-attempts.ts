import { Injectable } from '@nestjs/common';

/**
 * Why a running attempt must stop early. `cancelled`: the job was cancelled;
 * `superseded`: someone else failed the attempt (the scheduler's timeout,
 * another replica that took this worker for dead); `shutdown`: this replica
 * stops and hands the item back.
 */
export type AbortReason = 'cancelled' | 'superseded' | 'shutdown';

export interface RunningAttempt {
  readonly jobId: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
  /** The reason of the abort, once aborted. */
  readonly abortReason: AbortReason | undefined;
  /**
   * From now on this replica records the attempt's outcome itself: aborts no
   * longer apply (its own JobFailed must not read as someone else's, and a
   * cancel is answered by the refused JobCompleted).
   */
  settle(): void;
}

interface Entry {
  readonly controller: AbortController;
  settled: boolean;
}

/** The attempts this replica works on: where cancel requests and shutdown find them. */
@Injectable()
export class RunningAttempts {
  private readonly entries = new Map<string, Entry>();

  /** undefined if this replica already works on that attempt (a duplicate delivery). */
  add(jobId: string, attempt: number): RunningAttempt | undefined {
    const key = keyOf(jobId, attempt);
    if (this.entries.has(key)) return undefined;
    const entry: Entry = { controller: new AbortController(), settled: false };
    this.entries.set(key, entry);
    const { signal } = entry.controller;
    return {
      jobId,
      attempt,
      signal,
      get abortReason() {
        return signal.aborted ? (signal.reason as AbortReason) : undefined;
      },
      settle: () => (entry.settled = true),
    };
  }

  remove(running: RunningAttempt): void {
    this.entries.delete(keyOf(running.jobId, running.attempt));
  }

  /** False if the attempt does not run here, is already aborted or settled. */
  abort(jobId: string, attempt: number, reason: AbortReason): boolean {
    const entry = this.entries.get(keyOf(jobId, attempt));
    if (!entry || entry.settled || entry.controller.signal.aborted) return false;
    entry.controller.abort(reason);
    return true;
  }

  abortAll(reason: AbortReason): void {
    for (const entry of this.entries.values()) if (!entry.settled && !entry.controller.signal.aborted) entry.controller.abort(reason);
  }
}

function keyOf(jobId: string, attempt: number): string {
  return `${jobId}#${attempt}`;
}
