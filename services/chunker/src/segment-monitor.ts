import { Inject, Injectable } from '@nestjs/common';
import { type ChunkSegment, JobTelemetryRepository, WakeSignal } from '@mpr/core';
import { ChunkWorkRepository } from './chunk-work.repository';
import { CHUNKER_SETTINGS, type ChunkerSettings } from './chunker.settings';
import { assessSegments, type SegmentsAssessment } from './segment-progress';
import { extendSpan, measureTail, type ProgressSpan, type TailMeasure } from './tail-measure';

/**
 * What the coordinator hears of one attempt's segment and audio encodes,
 * on whichever replica they run: the workers' reports (progress, done) and
 * JetStream's give-up on an item whose workers all died. It wakes the
 * coordinator's loop as soon as an encode is done or given up on.
 *
 * It also publishes the job's aggregate progress every tick for the whole
 * attempt, also while audio, stitch and verification run between updates.
 * That keeps the job alive for the scheduler's watchdog, so the coordinator
 * watches for stuck encodes itself (assess).
 */
export class SegmentMonitor {
  /** Seconds each encode has encoded, by index (the audio item's index is the segment count). */
  private readonly encoded = new Map<number, number>();
  /** When each running encode last reported. */
  private readonly lastHeard = new Map<number, number>();
  /** When each encode was first heard of (its start) and its progress reports' span: what the tail's move is measured by. */
  private readonly firstHeard = new Map<number, number>();
  private readonly spans = new Map<number, ProgressSpan>();
  private exhausted: { audio: boolean; index: number } | undefined;
  private readonly wake = new WakeSignal();
  private readonly subscriptions: ReadonlyArray<{ stop(): void }>;
  private readonly ticker: ReturnType<typeof setInterval>;
  private readonly startedAt = Date.now();
  private percent = 0;

  constructor(
    work: ChunkWorkRepository,
    private readonly progress: JobTelemetryRepository,
    private readonly job: { readonly jobId: string; readonly attempt: number; readonly rangeSeconds: number },
    private readonly limits: { readonly stallMs: number; readonly maxDeliver: number; readonly tickMs: number },
  ) {
    const { jobId, attempt } = job;
    const reports = work.onReports(jobId, attempt, (r) => {
      const now = Date.now();
      if ((this.encoded.get(r.index) ?? 0) < r.outTimeSeconds || !this.encoded.has(r.index)) this.encoded.set(r.index, r.outTimeSeconds);
      if (!this.firstHeard.has(r.index)) this.firstHeard.set(r.index, now);
      const span = r.done ? undefined : extendSpan(this.spans.get(r.index), now, r.outTimeSeconds);
      if (span) this.spans.set(r.index, span);
      if (r.done) {
        this.lastHeard.delete(r.index);
        this.wake.notify();
      } else {
        this.lastHeard.set(r.index, now);
      }
    });
    // A segment whose workers all died mid-encode leaves no marker: JetStream's give-up is the news.
    const exhaustion = work.onSegmentExhausted((item) => {
      if (item.jobId !== jobId || item.attempt !== attempt) return false;
      this.exhausted = item;
      this.wake.notify();
      return true;
    });
    this.subscriptions = [reports, exhaustion];
    this.ticker = setInterval(() => this.publishProgress(), limits.tickMs);
  }

  /** The job's progress is at least `percent` now: published at once, and every tick from here on. */
  progressAtLeast(percent: number): void {
    this.percent = Math.max(this.percent, percent);
    this.publishProgress();
  }

  private publishProgress(): void {
    const { jobId, attempt, rangeSeconds } = this.job;
    const currentTime = (this.percent / 100) * rangeSeconds;
    void this.progress
      .publishProgress({
        jobId,
        attempt,
        percent: this.percent,
        currentTime,
        fps: 0,
        speed: currentTime / Math.max(0.001, (Date.now() - this.startedAt) / 1000),
        etaSeconds: 0,
      })
      .catch(() => undefined);
  }

  /** Wakes the loop now (the coordinator's own audio encode failed). */
  notify(): void {
    this.wake.notify();
  }

  /** Before a look at the work directory: anything heard after it wakes the next wait. */
  beginLook(): void {
    this.wake.reset();
  }

  /** Until something is heard, or `ms` passed. */
  async wait(ms: number): Promise<void> {
    await this.wake.wait(ms);
  }

  /** Where the segments stand, given the files in the work directory now. */
  assess(segments: readonly ChunkSegment[], files: ReadonlySet<string>, queuedAudio: string | undefined): SegmentsAssessment {
    return assessSegments({
      segments,
      files,
      queuedAudio,
      encodedSeconds: this.encoded,
      lastHeard: this.lastHeard,
      exhausted: this.exhausted,
      now: Date.now(),
      stallMs: this.limits.stallMs,
      maxDeliver: this.limits.maxDeliver,
    });
  }

  /** The queued audio's lag and the encodes' speed, now that the audio is done (measureTail). */
  measureTail(count: number, queuedAt: number): TailMeasure {
    return measureTail(this.firstHeard, this.spans, { count, queuedAt, audioDoneAt: Date.now() });
  }

  stop(): void {
    clearInterval(this.ticker);
    for (const subscription of this.subscriptions) subscription.stop();
  }
}

/** Makes the SegmentMonitor of each attempt the coordinator runs, with the repositories and limits they all share. */
@Injectable()
export class SegmentMonitors {
  constructor(
    private readonly work: ChunkWorkRepository,
    private readonly progress: JobTelemetryRepository,
    @Inject(CHUNKER_SETTINGS) private readonly settings: ChunkerSettings,
  ) {}

  /** Watches the encodes of `job`'s current attempt over a range of `rangeSeconds`, until stop(). */
  watch(job: { readonly jobId: string; readonly attempt: number }, rangeSeconds: number): SegmentMonitor {
    return new SegmentMonitor(this.work, this.progress, { jobId: job.jobId, attempt: job.attempt, rangeSeconds }, this.settings);
  }
}
