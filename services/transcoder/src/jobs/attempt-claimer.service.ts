import { Inject, Injectable, Logger } from '@nestjs/common';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { TranscodeWorkItem } from '@mpr/contracts/work_pb';
import { EventStore, type ItemDelivery, jobDecider, JobRecorder, type JobState, loadState, type TranscodePlan, TranscodePlanner, verdictFor } from '@mpr/core';
import { TranscoderMetrics } from '../transcoder.metrics';
import { TRANSCODER_SETTINGS, type TranscoderSettings } from '../transcoder.settings';

export type DeliveredItem = TranscodeWorkItem & ItemDelivery;

export type PlanResult = { plan: TranscodePlan } | { error: unknown };

export type Claim =
  | {
      kind: 'started';
      job: JobState;
      startedAt: number;
      /** When the item was queued (ms since the epoch), if it says. */
      queuedAt: number | undefined;
      /** Settles with the plan or why there is none; never rejects. */
      planned: Promise<PlanResult>;
    }
  | { kind: 'mark-lost'; job: JobState }
  | { kind: 'drop'; reason: string };

/** Decides what a delivered work item means for its job, and starts the job when it is this replica's to run. */
@Injectable()
export class AttemptClaimer {
  private readonly logger = new Logger('Transcoder');

  constructor(
    private readonly store: EventStore,
    private readonly planner: TranscodePlanner,
    private readonly recorder: JobRecorder,
    private readonly metrics: TranscoderMetrics,
    @Inject(TRANSCODER_SETTINGS) private readonly settings: TranscoderSettings,
  ) {}

  /**
   * Reads the job and, if the item is its current pending attempt, starts it
   * (one winner among replicas). Planning (reading the asset and preset)
   * runs alongside the append, to start ffmpeg sooner.
   */
  async claim(item: DeliveredItem, slot: number): Promise<Claim> {
    let raced = false;
    for (;;) {
      const { state: job, version } = await loadState(this.store, { type: 'job', id: item.jobId }, jobDecider);
      const verdict = verdictFor(job, item);
      if (verdict.action === 'drop') return { kind: 'drop', reason: verdict.reason };
      if (verdict.action === 'mark-lost') {
        // Only StartJob leads from PENDING to PROCESSING: whoever got there while we tried is alive.
        return raced ? { kind: 'drop', reason: `${job.workerId} started it first` } : { kind: 'mark-lost', job };
      }
      const planned = this.planner.plan(job).then(
        (plan): PlanResult => ({ plan }),
        (error: unknown): PlanResult => ({ error }),
      );
      const workerId = `${this.settings.workerIdPrefix}-${slot}`;
      const started = await this.recorder.start(job, version, workerId);
      if (!started) {
        // Changed since we read it (another replica started it, a cancel): judge it again, without this plan's source copy.
        void planned.then((result) => ('plan' in result ? result.plan.source.release() : undefined)).catch(() => undefined);
        raced = true;
        continue;
      }
      const startedAt = Date.now();
      const queuedAt = item.queuedAt ? timestampMs(item.queuedAt) : undefined;
      if (queuedAt !== undefined) this.metrics.queueWait.observe(Math.max(0, startedAt - queuedAt) / 1000);
      this.logger.log(`job ${item.jobId} attempt ${item.attempt} started on ${workerId}`);
      return { kind: 'started', job: started, startedAt, queuedAt, planned };
    }
  }
}
