import { etaSeconds, MILESTONE_STEP, type ProgressSnapshot, progressPercent } from '@mpr/core';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { JobProgressSchema } from '@mpr/contracts/job_pb';

export interface ProgressSinks {
  /** Telemetry: every snapshot. */
  publish(progress: MessageInitShape<typeof JobProgressSchema>): Promise<void>;
  /** The event log: each multiple of MILESTONE_STEP percent reached. */
  milestone(percent: number): Promise<void>;
  onError(what: string, err: Error): void;
}

interface ProgressFigures {
  percent: number;
  fps: number;
  speed: number;
  currentTime: number;
  etaSeconds: number;
}

/**
 * Turns ffmpeg's progress blocks into JobProgress telemetry and milestone
 * events for one attempt. Publishing never holds up the encode: each kind is
 * sent in order on its own chain, and `flush` waits for both.
 */
export class ProgressReporter {
  private telemetry: Promise<void> = Promise.resolve();
  private milestones: Promise<void> = Promise.resolve();
  private lastMilestone = 0;
  private last: ProgressSnapshot | undefined;

  constructor(
    private readonly jobId: string,
    private readonly attempt: number,
    private readonly expectedDuration: number,
    private readonly sinks: ProgressSinks,
  ) {}

  report(snapshot: ProgressSnapshot): void {
    this.last = snapshot;
    const percent = progressPercent(snapshot.outTimeSeconds, this.expectedDuration);
    this.send({
      percent,
      fps: snapshot.fps,
      speed: snapshot.speed,
      currentTime: snapshot.outTimeSeconds,
      etaSeconds: etaSeconds(snapshot.outTimeSeconds, this.expectedDuration, snapshot.speed) ?? 0,
    });
    const milestone = Math.floor(percent / MILESTONE_STEP) * MILESTONE_STEP;
    if (milestone > this.lastMilestone) {
      this.lastMilestone = milestone;
      this.milestones = this.milestones.then(() => this.sinks.milestone(milestone)).catch((err: Error) => this.sinks.onError(`milestone ${milestone}%`, err));
    }
  }

  /** The output is complete and verified: the last word is 100 %. */
  finish(): void {
    this.send({ percent: 100, fps: this.last?.fps ?? 0, speed: this.last?.speed ?? 0, currentTime: this.expectedDuration, etaSeconds: 0 });
  }

  /** ffmpeg wrote some output (a frame, or audio time): false while it has produced nothing at all. */
  get producedOutput(): boolean {
    return (this.last?.frame ?? 0) > 0 || (this.last?.outTimeSeconds ?? 0) > 0;
  }

  /** ffmpeg's last reported speed (output seconds per second), 0 if unknown. */
  get speed(): number {
    return this.last?.speed ?? 0;
  }

  flush(): Promise<void> {
    return Promise.all([this.telemetry, this.milestones]).then(() => undefined);
  }

  private send(progress: ProgressFigures): void {
    const message = { jobId: this.jobId, attempt: this.attempt, ...progress };
    this.telemetry = this.telemetry.then(() => this.sinks.publish(message)).catch((err: Error) => this.sinks.onError('progress', err));
  }
}
