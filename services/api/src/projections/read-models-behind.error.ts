import type { AggregateRef } from '@mpr/core';

/**
 * A command was recorded (its event is in the log) but the read models did
 * not show it within MPR_API_READ_WAIT_SECONDS, so its result cannot be read
 * back yet. Retryable by reading again, not by repeating the command: a
 * repeated createJob would make a second job.
 */
export class ReadModelsBehind extends Error {
  readonly code = 'READ_MODELS_BEHIND' as const;

  constructor(
    readonly aggregate: AggregateRef,
    readonly sequence: number,
    readonly position: number,
    readonly waitedMs: number,
    /** What holds the projection (ProjectorActivity.explain): the operator's lead, the client's reason to wait. */
    readonly why?: string,
  ) {
    super(
      `${aggregate.type} ${aggregate.id} is recorded (event ${sequence}), but the read models are still at event ${position} after ${waitedMs / 1_000} s` +
        `${why ? ` (${why})` : ''}: read it again shortly instead of repeating the command`,
    );
    this.name = 'ReadModelsBehind';
  }
}
