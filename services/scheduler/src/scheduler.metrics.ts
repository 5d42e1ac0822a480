import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsRegistry } from '@mpr/core';
import { JobTracker } from './job.tracker';
import { WorkRepository } from './work.repository';

/** The scheduler's series on /metrics. */
@Injectable()
export class SchedulerMetrics {
  private readonly logger = new Logger(SchedulerMetrics.name);
  readonly dispatched: Counter<'executor'>;
  readonly retries: Counter;
  readonly retriesRefused: Counter<'reason'>;
  readonly stalled: Counter;

  constructor(registry: MetricsRegistry, tracker: JobTracker, work: WorkRepository) {
    this.dispatched = registry.counter('mpr_scheduler_dispatched_total', 'Job attempts handed to an executor.', ['executor']);
    this.retries = registry.counter('mpr_scheduler_retries_total', 'Automatic retries of retryable failures.');
    this.retriesRefused = registry.counter(
      'mpr_scheduler_retries_refused_total',
      'Failed attempts the retry policy leaves FAILED, by reason (not-retryable, exhausted).',
      ['reason'],
    );
    this.stalled = registry.counter('mpr_scheduler_stalled_total', 'Processing jobs the watchdog failed for want of heartbeats.');
    registry.gauge('mpr_jobs', 'Jobs per state, as this replica has folded the job events.', ['state'], function () {
      for (const [status, count] of Object.entries(tracker.countByStatus())) this.set({ state: status.toLowerCase() }, count);
    });
    const logger = this.logger;
    registry.gauge('mpr_work_lag', 'Transcode work items no worker has received yet, per priority class.', ['class'], async function () {
      try {
        for (const [cls, pending] of Object.entries(await work.transcodeLag())) this.set({ class: cls }, pending);
      } catch (err) {
        // A scrape during a NATS outage keeps the last values rather than failing /metrics.
        logger.warn(`work lag unavailable: ${(err as Error).message}`);
      }
    });
  }
}
