import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type ConsumerMessages, DeliverPolicy, jetstream, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { DataSource } from 'typeorm';
import type { JobProgress } from '@mpr/contracts/job_pb';
import { decodeJobProgress, EventFollower, FOLLOW_PULL_EXPIRES_MS, NATS_CONNECTION, StreamNames } from '@mpr/core';

/** At most this often per job: about four writes a second, whatever rate the transcoder publishes at. */
export const PROGRESS_WRITE_INTERVAL_MS = 250;

interface KeyState<T> {
  /** Arrived after the last write started; written when the interval has passed. */
  latest?: T;
  inFlight?: Promise<void>;
  /** The rest of the interval after a write. */
  timer?: NodeJS.Timeout;
}

/**
 * Coalesces a stream of values per key into at most one write per interval,
 * always ending with the latest value (trailing edge), and never two writes
 * of one key at once.
 */
export class LatestPerKeyThrottle<T> {
  private readonly keys = new Map<string, KeyState<T>>();
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly intervalMs: number,
    private readonly write: (key: string, value: T) => Promise<void>,
    private readonly onError: (key: string, err: unknown) => void,
  ) {}

  offer(key: string, value: T): void {
    if (this.closed) return;
    const entry = this.keys.get(key);
    if (!entry) {
      const fresh: KeyState<T> = {};
      this.keys.set(key, fresh);
      this.flush(key, fresh, value);
      return;
    }
    // A write or the pause after it is under way: it picks up the latest value when done.
    entry.latest = value;
  }

  /** Drops what is pending and waits for writes in flight. */
  async close(): Promise<void> {
    this.closed = true;
    const inFlight = [...this.keys.values()].map((entry) => {
      clearTimeout(entry.timer);
      return entry.inFlight;
    });
    this.keys.clear();
    await Promise.all(inFlight);
    this.wakeIdle();
  }

  /**
   * Resolves once no key has a write in flight or a value waiting for the end
   * of its interval: every value offered so far has been written or replaced.
   */
  idle(): Promise<void> {
    if (this.keys.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    if (this.keys.size > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private flush(key: string, entry: KeyState<T>, value: T): void {
    const startedAt = Date.now();
    entry.latest = undefined;
    entry.inFlight = this.write(key, value)
      .catch((err: unknown) => this.onError(key, err))
      .finally(() => {
        entry.inFlight = undefined;
        if (this.closed) return;
        entry.timer = setTimeout(
          () => {
            entry.timer = undefined;
            if (entry.latest !== undefined) return this.flush(key, entry, entry.latest);
            this.keys.delete(key);
            this.wakeIdle();
          },
          Math.max(0, startedAt + this.intervalMs - Date.now()),
        );
      });
  }
}

/**
 * Live progress of processing jobs (percent, speed, ETA) from MPR_TELEMETRY
 * into the jobs read model.
 *
 * These columns are telemetry, not events: the progress messages are not in
 * MPR_EVENTS, so they carry no checkpoint and a rebuild from the log leaves
 * the last milestone in `progress` until the next message arrives. The
 * UPDATE only touches a row that is still processing the same attempt, so a
 * message arriving after JobCompleted (or from an attempt that has been
 * replaced) never overwrites the state the events decided; one arriving
 * before the row shows JobStarted changes nothing, and the next one lands.
 */
@Injectable()
export class JobProgressProjector implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobProgressProjector.name);
  private readonly throttle = new LatestPerKeyThrottle<JobProgress>(
    PROGRESS_WRITE_INTERVAL_MS,
    (jobId, progress) => this.write(jobId, progress),
    (jobId, err) => this.logger.warn(`progress of job ${jobId} not written: ${(err as Error).message}`),
  );
  private follower?: EventFollower<JobProgress>;
  private loop?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly names: StreamNames,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // A lost consumer is replaced from the message after the last one read (EventFollower): nats.js's own
    // recreation of an ordered consumer stalls until heartbeats are missed, and progress froze meanwhile.
    this.follower = new EventFollower<JobProgress>(
      {
        open: (sequence) => this.open(sequence),
        decode: (msg) => this.decode(msg),
        onReopen: (reason, sequence) => this.logger.warn(`following job progress from message ${sequence} on a new consumer (${reason})`),
      },
      await this.open(0),
      0,
    );
    this.loop = this.run(this.follower);
  }

  /** Before the database pool and the NATS connection close. */
  async onModuleDestroy(): Promise<void> {
    await this.follower?.stop();
    await this.loop;
    await this.throttle.close();
  }

  /** Resolves once every progress message handed to the projector so far is written to the row (or replaced by a later one). */
  written(): Promise<void> {
    return this.throttle.idle();
  }

  /**
   * The stream keeps the latest message per job: starting from those (sequence
   * 0), a (re)started projector shows running jobs' progress at once, then
   * follows live; a replaced consumer starts after the last message read.
   */
  private async open(sequence: number): Promise<ConsumerMessages> {
    const from = sequence > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: sequence } : { deliver_policy: DeliverPolicy.LastPerSubject };
    const consumer = await jetstream(this.nc).consumers.get(this.names.telemetry, {
      filter_subjects: this.names.telemetrySubject('job', '*', 'progress'),
      ...from,
    });
    return consumer.consume({ expires: FOLLOW_PULL_EXPIRES_MS });
  }

  /** Follows progress for the life of the service. */
  private async run(follower: EventFollower<JobProgress>): Promise<void> {
    try {
      for await (const progress of follower) this.throttle.offer(progress.jobId, progress);
    } catch (err) {
      this.logger.error(`following job progress failed: ${(err as Error).message}`);
    }
  }

  private decode(msg: JsMsg): JobProgress | undefined {
    try {
      const progress = decodeJobProgress(msg.string());
      return progress.jobId ? progress : undefined;
    } catch (err) {
      this.logger.warn(`unreadable progress message on ${msg.subject}: ${(err as Error).message}`);
      return undefined;
    }
  }

  private async write(jobId: string, progress: JobProgress): Promise<void> {
    const percent = Math.min(100, Math.max(0, progress.percent));
    // 0 is what the transcoder sends while ffmpeg does not know yet.
    const speed = progress.speed > 0 ? progress.speed : null;
    const eta = progress.etaSeconds > 0 || percent >= 100 ? Math.max(0, progress.etaSeconds) : null;
    await this.dataSource.query(`UPDATE jobs SET progress = $3, speed = $4, eta = $5 WHERE id = $1 AND status = 'processing' AND attempt = $2`, [
      jobId,
      progress.attempt,
      percent,
      speed,
      eta,
    ]);
  }
}
