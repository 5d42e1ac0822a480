import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import {
  decodeWorkItem,
  ffmpegErrorSummary,
  type FfmpegOutcome,
  FfmpegRepository,
  FfprobeRepository,
  JobRecorder,
  type JobState,
  JobTelemetryRepository,
  OutputFilesRepository,
  OutputService,
  type ProbeResult,
  runFfmpeg,
  sourceShownPath,
  type ShownPath,
  tempPathFor,
  type TranscodePlan,
  UnrunnableJob,
  ValidationError,
} from '@mpr/core';
import { TranscoderMetrics, type TranscodeOutcome } from '../transcoder.metrics';
import { TRANSCODER_SETTINGS, type TranscoderSettings } from '../transcoder.settings';
import { AttemptClaimer, type Claim, type DeliveredItem } from './attempt-claimer.service';
import { attemptFailure } from './attempt-failure';
import { checkOutput } from './output-check';
import { ProgressReporter } from './progress.reporter';
import { TranscoderPresence } from './transcoder-presence';
import { type AbortReason, type RunningAttempt, RunningAttempts } from './running-attempts';

/** How an item leaves the queue: done with (ack), back for another replica now (nak), back later, or never to be seen again (term). */
type Settlement = 'ack' | 'nak' | 'nak-later' | 'term';
const SETTLEMENT: Record<TranscodeOutcome, Settlement> = {
  completed: 'ack',
  failed: 'ack',
  cancelled: 'ack',
  superseded: 'ack',
  lost: 'ack',
  dropped: 'ack',
  interrupted: 'nak',
  error: 'nak-later',
};
const RETRY_LATER_MS = 5_000;

/** One started attempt, as the steps of its run see it. */
interface Attempt {
  readonly job: JobState;
  readonly plan: TranscodePlan;
  readonly running: RunningAttempt;
  /** When its work item was queued (ms since the epoch), if the item says. */
  readonly queuedAt: number | undefined;
}

/**
 * Runs one transcode work item from the queue to its outcome event: starts
 * the job (one winner among replicas), runs ffmpeg with live progress,
 * verifies and publishes the output, and appends JobCompleted or JobFailed.
 * An item is always settled: acknowledged when its outcome is recorded (a
 * deterministic failure is never handed to another replica), nak'd when
 * this replica shuts down.
 */
@Injectable()
export class TranscodeJobService {
  private readonly logger = new Logger('Transcoder');

  constructor(
    private readonly claimer: AttemptClaimer,
    private readonly recorder: JobRecorder,
    private readonly ffmpeg: FfmpegRepository,
    private readonly ffprobe: FfprobeRepository,
    private readonly files: OutputFilesRepository,
    private readonly outputs: OutputService,
    private readonly telemetry: JobTelemetryRepository,
    private readonly running: RunningAttempts,
    private readonly metrics: TranscoderMetrics,
    private readonly presence: TranscoderPresence,
    @Inject(TRANSCODER_SETTINGS) private readonly settings: TranscoderSettings,
  ) {}

  async handle(msg: JsMsg, slot: number): Promise<TranscodeOutcome> {
    let item: DeliveredItem;
    try {
      item = { ...decodeWorkItem(msg), deliveryCount: msg.info.deliveryCount };
    } catch (err) {
      this.logger.error(`work item ${msg.seq} is not a TranscodeWorkItem, discarded: ${(err as Error).message}`);
      await this.settle(msg, 'term');
      return this.count('dropped');
    }
    // working() well within the ack wait, so that only a dead worker's item is redelivered.
    const heartbeat = setInterval(
      () => {
        try {
          msg.working();
        } catch {
          // NATS is away: the connection reconnects by itself, and the next beat goes through.
        }
      },
      Math.max(100, this.settings.ackWaitMs / 3),
    );
    let outcome: TranscodeOutcome;
    try {
      outcome = await this.process(item, slot);
    } finally {
      clearInterval(heartbeat);
    }
    await this.settle(msg, SETTLEMENT[outcome]);
    return this.count(outcome);
  }

  private async settle(msg: JsMsg, settlement: Settlement): Promise<void> {
    try {
      // Confirmed acks: once handle() returns, the item is gone from the queue for sure.
      if (settlement === 'ack') await msg.ackAck();
      else if (settlement === 'term') msg.term('not a TranscodeWorkItem');
      else msg.nak(settlement === 'nak-later' ? RETRY_LATER_MS : undefined);
    } catch (err) {
      // NATS is gone: the item comes back after its ack wait, and its job's state tells the next replica what is left.
      this.logger.warn(`work item ${msg.seq} not settled (${settlement}): ${(err as Error).message}`);
    }
  }

  private async process(item: DeliveredItem, slot: number): Promise<TranscodeOutcome> {
    const running = this.running.add(item.jobId, item.attempt);
    if (!running) {
      this.logger.warn(`job ${item.jobId} attempt ${item.attempt} is already running here: duplicate delivery dropped`);
      return 'dropped';
    }
    try {
      const claim = await this.claimer.claim(item, slot);
      switch (claim.kind) {
        case 'drop':
          this.logger.log(`job ${item.jobId} attempt ${item.attempt}: work item dropped, ${claim.reason}`);
          return 'dropped';
        case 'mark-lost':
          running.settle();
          await this.recorder.markLost(claim.job);
          await this.files.remove(tempPathFor(claim.job.outputFilename, claim.job.jobId, claim.job.attempt));
          return 'lost';
        case 'started': {
          const workerId = this.presence.workerId(slot);
          this.presence.running(workerId, { jobId: item.jobId, attempt: item.attempt });
          try {
            return await this.runStarted(claim, running);
          } finally {
            this.presence.idle(workerId);
          }
        }
      }
    } catch (err) {
      this.logger.error(`job ${item.jobId} attempt ${item.attempt}: ${(err as Error).message}; the item is retried in ${RETRY_LATER_MS / 1000} s`);
      return 'error';
    } finally {
      this.running.remove(running);
    }
  }

  private async runStarted(claim: Extract<Claim, { kind: 'started' }>, running: RunningAttempt): Promise<TranscodeOutcome> {
    const { job, queuedAt } = claim;
    let outcome: TranscodeOutcome;
    try {
      const planned = await claim.planned;
      if ('error' in planned) throw planned.error;
      try {
        outcome = await this.transcode({ job, plan: planned.plan, running, queuedAt });
      } finally {
        await planned.plan.source.release();
      }
    } catch (err) {
      running.settle();
      outcome = await this.failAfterError(job, err);
    }
    const elapsedMs = Date.now() - claim.startedAt;
    this.metrics.duration.observe({ outcome }, elapsedMs / 1000);
    this.logger.log(`job ${job.jobId} attempt ${job.attempt}: ${outcome} after ${elapsedMs} ms`);
    return outcome;
  }

  private async transcode(attempt: Attempt): Promise<TranscodeOutcome> {
    const { job, plan, running } = attempt;
    if (running.abortReason) return abortOutcome(running.abortReason);
    await this.files.prepareFolder(plan.outputPath);
    // Parts of earlier attempts (a crashed worker's) must not linger next to the output.
    await this.files.removeTempFiles(plan.outputPath, job.jobId);
    const reporter = new ProgressReporter(job.jobId, job.attempt, plan.command.expectedDuration, {
      publish: (progress) => {
        this.presence.attemptSpeed(job.jobId, job.attempt, progress.speed ?? 0);
        return this.telemetry.publishProgress(progress);
      },
      milestone: (percent) => this.recorder.milestone(job, percent),
      onError: (what, err) => this.logger.warn(`job ${job.jobId}: ${what} not published: ${err.message}`),
    });
    const outcome = await this.encode(attempt, reporter);
    running.settle();
    // Milestones still on their way go into the log before the outcome does.
    await reporter.flush();

    if (outcome.kind !== 'completed') await this.files.remove(plan.tempPath);
    if (outcome.kind === 'aborted') return abortOutcome(outcome.reason as AbortReason);
    if (outcome.kind !== 'completed') {
      const failure = attemptFailure(outcome, {
        producedOutput: reporter.producedOutput,
        stallTimeoutMs: this.settings.stallTimeoutMs,
        summary: (stderr) => ffmpegErrorSummary(stderr, this.mediaPaths(plan)),
      });
      return this.recorder.fail(job, failure.errorMessage, failure.retryable);
    }

    const probe = await this.verify(plan);
    if (typeof probe === 'string') {
      await this.files.remove(plan.tempPath);
      return this.recorder.fail(job, `ffmpeg finished, but ${probe}`, false);
    }
    const output = await this.outputs.publish(job.jobId, plan.outputPath, plan.tempPath, probe);
    reporter.finish();
    await reporter.flush();
    const completed = await this.recorder.complete(job, output);
    if (completed !== 'completed') {
      // Cancelled (or failed by someone else) while we published: the output must not stay.
      await this.outputs.retract(output);
      return completed;
    }
    if (reporter.speed > 0) this.metrics.speed.observe(reporter.speed);
    return 'completed';
  }

  /**
   * Runs ffmpeg until it exits: on its own, killed by an abort (cancel,
   * shutdown) or by the stall watchdog.
   */
  private encode({ job, plan, running, queuedAt }: Attempt, reporter: ProgressReporter): Promise<FfmpegOutcome> {
    return runFfmpeg(this.ffmpeg, plan.command, {
      signal: running.signal,
      stallMs: this.settings.stallTimeoutMs,
      onProgress: (snapshot) => reporter.report(snapshot),
      onStart: ({ pid }) => {
        let sinceQueued = '';
        if (queuedAt !== undefined) {
          const latencyMs = Math.max(0, Date.now() - queuedAt);
          this.metrics.startLatency.observe(latencyMs / 1000);
          sinceQueued = `, ${latencyMs} ms after its item was queued`;
        }
        this.logger.log(`job ${job.jobId} attempt ${job.attempt}: ffmpeg pid ${pid} started${sinceQueued}`);
      },
    });
  }

  /** The probe of a finished encode, or why it may not be published. */
  private verify(plan: TranscodePlan): Promise<ProbeResult | string> {
    return checkOutput(this.ffprobe, this.files.absolute(plan.tempPath), plan.expected, this.mediaPaths(plan));
  }

  /** ffmpeg names files by their absolute paths on this host; users know them by their paths in the media roots. */
  private mediaPaths(plan: TranscodePlan): ShownPath[] {
    return [sourceShownPath(plan.source), [this.files.absolute(plan.tempPath), `out/${plan.outputPath}`]];
  }

  /**
   * Something other than ffmpeg went wrong after the job started. A job that
   * cannot run as created fails for good; anything else (NATS, the disk) fails
   * the attempt as retryable. If even that cannot be recorded, the item comes
   * back later and its redelivery fails the attempt as a lost worker's.
   */
  private async failAfterError(job: JobState, err: unknown): Promise<TranscodeOutcome> {
    await this.files.remove(tempPathFor(job.outputFilename, job.jobId, job.attempt)).catch(() => undefined);
    if (err instanceof UnrunnableJob || err instanceof ValidationError) return this.recorder.fail(job, err.message, false);
    this.logger.error(`job ${job.jobId} attempt ${job.attempt}: ${(err as Error).stack ?? String(err)}`);
    try {
      return await this.recorder.fail(job, `transcoder error: ${(err as Error).message}`, true);
    } catch {
      return 'error';
    }
  }

  private count(outcome: TranscodeOutcome): TranscodeOutcome {
    this.metrics.outcomes.inc({ outcome });
    return outcome;
  }
}

function abortOutcome(reason: AbortReason): TranscodeOutcome {
  return reason === 'shutdown' ? 'interrupted' : reason;
}
