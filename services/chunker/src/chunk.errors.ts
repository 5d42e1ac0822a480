/** The attempt was aborted (cancel, a JobFailed from elsewhere, shutdown): the abort's reason says what follows. */
export class Aborted extends Error {}

/** The attempt failed for good: the encode's own failure or a stitched output that fails verification. Not retried. */
export class Refused extends Error {}
