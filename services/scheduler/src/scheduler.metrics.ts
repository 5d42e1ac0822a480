import { Injectable, Logger } from '@nestjs/common';
import type { Counter, Gauge } from 'prom-client';
import { MetricsRegistry } from '@mpr/core';
import { JobEventsRepository } from './job-events.repository';
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
  readonly dispatchPaused: Gauge;
  readonly holding: Gauge;
  readonly held: Counter;
  readonly switchReads: Counter;

  constructor(registry: MetricsRegistry, tracker: JobTracker, work: WorkRepository, events: JobEventsRepository) {
    this.dispatched = registry.counter('mpr_scheduler_dispatched_total', 'Job attempts handed to an executor.', ['executor']);
    this.retries = registry.counter('mpr_scheduler_retries_total', 'Automatic retries of retryable failures.');
    this.retriesRefused = registry.counter(
      'mpr_scheduler_retries_refused_total',
      'Failed attempts the retry policy leaves FAILED, by reason (not-retryable, exhausted).',
      ['reason'],
    );
    this.stalled = registry.counter('mpr_scheduler_stalled_total', 'Processing jobs the watchdog failed for want of heartbeats.');
    this.dispatchPaused = registry.gauge('mpr_dispatch_paused', '1 while the event log says dispatch is paused (pauseDispatch), as this replica last read it.');
    this.holding = registry.gauge('mpr_scheduler_holding', '1 while this replica holds the job events back because dispatch is paused.');
    this.switchReads = registry.counter(
      'mpr_scheduler_switch_reads_total',
      'Reads of the dispatch switch from the log: at start, after a dispatch event or a reconnect, every 5 s; none per job event.',
    );
    this.held = registry.counter('mpr_scheduler_held_total', 'Job events handed back to the consumer because dispatch was paused when they were appended.');
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
    registry.gauge(
      'mpr_scheduler_unhandled_events',
      'Job events the scheduler replicas have not handled yet (held while paused, or not read yet).',
      [],
      async function () {
        try {
          this.set(await events.unhandled());
        } catch (err) {
          logger.warn(`unhandled job events unavailable: ${(err as Error).message}`);
        }
      },
    );
  }
}
