import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry, PRIORITY_CLASSES } from '@mpr/core';
import { TranscodeQueueRepository } from './work/transcode-queue.repository';

/** What happened to a work item; `mpr_transcode_jobs_total` counts them. */
export type TranscodeOutcome =
  /** Output published, JobCompleted appended. */
  | 'completed'
  /** JobFailed appended: ffmpeg or the job's inputs failed, or the encode stalled. */
  | 'failed'
  /** The job was cancelled while it ran here. */
  | 'cancelled'
  /** Someone else failed the attempt while it ran here (the scheduler's timeout, another replica). */
  | 'superseded'
  /** A redelivered item of a dead worker: its attempt was failed as retryable. */
  | 'lost'
  /** Nothing to do: the job ended or moved on, or the item was a duplicate. */
  | 'dropped'
  /** This replica shut down and handed the item back. */
  | 'interrupted'
  /** Infrastructure trouble (NATS, disk): the item comes back later. */
  | 'error';

@Injectable()
export class TranscoderMetrics {
  readonly outcomes: Counter<'outcome'>;
  readonly duration: Histogram<'outcome'>;
  readonly queueWait: Histogram;
  readonly startLatency: Histogram;
  readonly speed: Histogram;
  readonly running: Gauge;

  constructor(metrics: MetricsRegistry, queue: TranscodeQueueRepository) {
    this.outcomes = metrics.counter<'outcome'>('mpr_transcode_jobs_total', 'Transcode work items handled, by outcome', ['outcome']);
    this.duration = metrics.histogram<'outcome'>(
      'mpr_job_duration_seconds',
      'Time from JobStarted to the end of the attempt on this replica, by outcome',
      [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
      ['outcome'],
    );
    this.queueWait = metrics.histogram(
      'mpr_job_queue_wait_seconds',
      'Time from the work item being queued to its job starting',
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
    );
    this.startLatency = metrics.histogram(
      'mpr_ffmpeg_start_latency_seconds',
      "Time from the work item's queuedAt (the job's JobCreated, or its retry) to ffmpeg running: what the platform adds before an encode",
      [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 5, 30],
    );
    this.speed = metrics.histogram(
      'mpr_ffmpeg_speed',
      "ffmpeg's speed over a completed encode, in seconds of output per second",
      [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
    );
    this.running = metrics.gauge('mpr_transcode_running', 'Work items this replica is working on');
    metrics.gauge<'class'>('mpr_work_pending', 'Transcode work items not yet delivered to any replica, by priority class', ['class'], async function () {
      // Read when scraped: the queue is shared, so every replica reports the same backlog.
      const backlog = await queue.backlog().catch(() => undefined);
      for (const cls of PRIORITY_CLASSES) if (backlog) this.set({ class: cls }, backlog[cls].pending);
    });
  }
}
