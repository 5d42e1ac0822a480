import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { WorkerPresenceSchema } from '@mpr/contracts/gateway_pb';

export type WorkerKind = 'transcoder' | 'chunker';

/** What a worker runs: a transcode attempt, or one segment (or the audio) of a chunked attempt. */
export interface WorkerActivity {
  jobId: string;
  attempt: number;
  segmentIndex?: number;
  audio?: boolean;
}

export interface PresenceSink {
  publish(presence: MessageInitShape<typeof WorkerPresenceSchema>): Promise<void>;
}

interface WorkerState {
  activity?: WorkerActivity;
  speed: number;
}

/** A worker whose replica misses this many beats in a row is taken for gone. */
const BEATS_BEFORE_GONE = 3;

/**
 * The presence of one replica's workers: each is published when it starts or
 * stops running something and on every beat, with an expiry a few beats
 * ahead, so a replica that dies disappears from WatchWorkers by itself. A
 * lost publish is only logged by the caller: presence is a view, never state.
 */
export class WorkerPresence {
  private readonly workers = new Map<string, WorkerState>();
  private timer: NodeJS.Timeout | undefined;
  /** After stop(), a slot finishing late must not bring its worker back for another expiry. */
  private stopped = false;

  constructor(
    private readonly sink: PresenceSink,
    private readonly options: { kind: WorkerKind; replicaId: string; intervalMs: number; onError(err: Error): void; now?: () => number },
  ) {}

  start(workerIds: readonly string[]): void {
    for (const id of workerIds) this.workers.set(id, { speed: 0 });
    this.beat();
    this.timer = setInterval(() => this.beat(), this.options.intervalMs);
    this.timer.unref();
  }

  running(workerId: string, activity: WorkerActivity): void {
    this.workers.set(workerId, { activity, speed: 0 });
    this.send(workerId);
  }

  /** ffmpeg's latest speed: sent with the next beat, not per progress line. */
  speed(workerId: string, speed: number): void {
    const state = this.workers.get(workerId);
    if (state && Number.isFinite(speed)) state.speed = speed;
  }

  /** The same, for whichever worker runs that attempt (where the caller knows the job, not the worker). */
  attemptSpeed(jobId: string, attempt: number, speed: number): void {
    for (const [id, state] of this.workers) if (state.activity?.jobId === jobId && state.activity.attempt === attempt) this.speed(id, speed);
  }

  idle(workerId: string): void {
    this.workers.set(workerId, { speed: 0 });
    this.send(workerId);
  }

  /** The replica stops: every worker says it is leaving, so watchers drop it at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopped = true;
    await Promise.allSettled([...this.workers.keys()].map((id) => this.sink.publish(this.message(id, true))));
  }

  private beat(): void {
    for (const id of this.workers.keys()) this.send(id);
  }

  private send(workerId: string): void {
    if (this.stopped) return;
    this.sink.publish(this.message(workerId, false)).catch((err: Error) => this.options.onError(err));
  }

  private message(workerId: string, leaving: boolean): MessageInitShape<typeof WorkerPresenceSchema> {
    const state = this.workers.get(workerId) ?? { speed: 0 };
    const now = (this.options.now ?? Date.now)();
    const { activity } = state;
    return {
      workerId,
      kind: this.options.kind,
      replicaId: this.options.replicaId,
      jobId: activity?.jobId ?? '',
      attempt: activity?.attempt ?? 0,
      segmentIndex: activity?.segmentIndex,
      audio: activity?.audio ?? false,
      speed: activity ? state.speed : 0,
      heartbeatAt: timestampFromMs(now),
      expiresAt: timestampFromMs(now + BEATS_BEFORE_GONE * this.options.intervalMs),
      leaving,
    };
  }
}
