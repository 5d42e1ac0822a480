/** Where one event's write to the read models is: each step can be what holds a lagging projection. */
export type ApplyStage = 'connect' | 'lock' | 'project' | 'commit';

const STAGE_WAIT: Record<ApplyStage, string> = {
  connect: 'waiting for a database connection',
  lock: "waiting for the read models' checkpoint lock (another projector, or a rebuild, holds it)",
  project: 'writing its rows',
  commit: 'committing',
};

interface Applying {
  sequence: number;
  startedAt: number;
  stage: ApplyStage;
  stageAt: number;
}

const seconds = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;

/**
 * What the projection is doing right now, so that a read that times out can
 * say why: an event NATS has not delivered yet, one waiting behind another,
 * or one whose write is stuck at a step. Without it a READ_MODELS_BEHIND
 * names only two sequence numbers, and a slow database, a held lock and a
 * consumer that stopped delivering all read the same.
 */
export class ProjectorActivity {
  private received?: { sequence: number; at: number };
  private applying?: Applying;

  constructor(private readonly now: () => number = Date.now) {}

  /** The projection took the event from NATS and begins writing it (one at a time, in log order). */
  started(sequence: number): void {
    const at = this.now();
    this.received = { sequence, at };
    this.applying = { sequence, startedAt: at, stage: 'connect', stageAt: at };
  }

  /** Returns how long the stage before this one took, for the caller's metrics. */
  stage(stage: ApplyStage): { stage: ApplyStage; ms: number } | undefined {
    if (!this.applying) return undefined;
    const at = this.now();
    const previous = { stage: this.applying.stage, ms: at - this.applying.stageAt };
    this.applying.stage = stage;
    this.applying.stageAt = at;
    return previous;
  }

  /** The last stage's time; the write is over. */
  finished(): { stage: ApplyStage; ms: number } | undefined {
    const last = this.applying && { stage: this.applying.stage, ms: this.now() - this.applying.stageAt };
    this.applying = undefined;
    return last;
  }

  /** Why `sequence` is not in the read models yet, in words for an error message. */
  explain(sequence: number): string {
    const now = this.now();
    const applying = this.applying;
    if (applying && applying.sequence <= sequence) {
      const step = `${STAGE_WAIT[applying.stage]} for ${seconds(now - applying.stageAt)}`;
      if (applying.sequence === sequence) return `its write has taken ${seconds(now - applying.startedAt)}, ${step}`;
      return `it waits behind event ${applying.sequence}, whose write has taken ${seconds(now - applying.startedAt)}, ${step}`;
    }
    if (this.received && this.received.sequence >= sequence) return `event ${sequence} has just been written`;
    const last = this.received ? `the last it received is event ${this.received.sequence}, ${seconds(now - this.received.at)} ago` : 'it has received none yet';
    return `event ${sequence} has not reached the projection from NATS: ${last}`;
  }
}
