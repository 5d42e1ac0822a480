import { Logger } from '@nestjs/common';
import {
  type CloudJobPayload,
  ffmpegErrorSummary,
  type FfmpegRepository,
  type FfprobeRepository,
  type LocalFile,
  planTranscode,
  runFfmpeg,
  sourceShownPath,
  tempPathFor,
  type TranscodePlan,
  UnrunnableJob,
  ValidationError,
  withoutHostPaths,
} from '@mpr/core';
import { attemptFailure } from '../jobs/attempt-failure';
import { checkOutput } from '../jobs/output-check';
import { ProgressReporter } from '../jobs/progress.reporter';
import type { CallbackClient } from './callback.client';
import { type OneShotMedia, SourceMissing } from './oneshot-media';

/** How the attempt ended here: reported to the API as such, or stopped because the API said it had ended. */
export type OneShotOutcome = { kind: 'completed' } | { kind: 'failed'; errorMessage: string; retryable: boolean } | { kind: 'ended-elsewhere'; status: string };

export interface OneShotDeps {
  readonly media: OneShotMedia;
  readonly callback: CallbackClient;
  readonly ffmpeg: FfmpegRepository;
  readonly ffprobe: FfprobeRepository;
  readonly stallTimeoutMs: number;
  /** Progress reports at most this often (the last one, 100 %, always goes). */
  readonly progressIntervalMs: number;
}

/**
 * One job attempt, run once, the way a transcoder runs a work item but with
 * no NATS and no database: the payload's plan (the same planTranscode),
 * ffmpeg with the same stall watch, the output checked against the same
 * expectations and left staged as the attempt's part file; progress and the
 * outcome go to the API's signed callback, which appends the events and
 * publishes the output. A progress answer saying the attempt has ended
 * (cancelled, failed by the deadline) stops ffmpeg.
 *
 * Throws only when the outcome could not be reported: the caller's platform
 * (the state machine's Retry, Cloud Run's task retries) may then run it again.
 */
export async function runOneShot(payload: CloudJobPayload, deps: OneShotDeps): Promise<OneShotOutcome> {
  const logger = new Logger('OneShot');
  const { callback } = deps;
  let outcome: OneShotOutcome;
  try {
    outcome = await attempt(payload, deps, logger);
  } catch (err) {
    // Something other than ffmpeg (the disk, a probe that could not run): as a transcoder does, a retryable failure, unless
    // the job itself is at fault (a path the roots refuse). Its part file must not stay.
    await deps.media.remove(tempPathFor(payload.outputPath, payload.jobId, payload.attempt)).catch(() => undefined);
    logger.error(`job ${payload.jobId} attempt ${payload.attempt}: ${(err as Error).stack ?? String(err)}`);
    outcome = { kind: 'failed', errorMessage: `transcoder error: ${withoutHostPaths((err as Error).message)}`, retryable: !(err instanceof ValidationError) };
  }
  switch (outcome.kind) {
    case 'ended-elsewhere':
      logger.log(`job ${payload.jobId} attempt ${payload.attempt}: the job is ${outcome.status}, stopped`);
      return outcome;
    case 'failed': {
      const answer = await callback.outcome({ status: 'failed', attempt: payload.attempt, errorMessage: outcome.errorMessage, retryable: outcome.retryable });
      logger.warn(`job ${payload.jobId} attempt ${payload.attempt} failed (${outcome.retryable ? 'retryable' : 'final'}): ${outcome.errorMessage}`);
      return answer.changed === false ? { kind: 'ended-elsewhere', status: answer.status } : outcome;
    }
    case 'completed': {
      const answer = await callback.outcome({ status: 'completed', attempt: payload.attempt });
      if (answer.changed === false) return { kind: 'ended-elsewhere', status: answer.status };
      logger.log(`job ${payload.jobId} attempt ${payload.attempt}: ${answer.status}`);
      return outcome;
    }
  }
}

async function attempt(payload: CloudJobPayload, deps: OneShotDeps, logger: Logger): Promise<OneShotOutcome> {
  const { media } = deps;
  let source: LocalFile;
  try {
    source = await media.source(payload.source);
  } catch (err) {
    if (err instanceof SourceMissing) return { kind: 'failed', errorMessage: err.message, retryable: false };
    throw err;
  }
  // A bucket's source is a spooled copy: gone when the attempt is, even in a Lambda kept warm for the next job.
  try {
    return await encode(payload, deps, logger, source);
  } finally {
    await source.release();
  }
}

async function encode(payload: CloudJobPayload, deps: OneShotDeps, logger: Logger, source: LocalFile): Promise<OneShotOutcome> {
  const { media } = deps;
  const job = { jobId: payload.jobId, attempt: payload.attempt, outputFilename: payload.outputPath, trimStart: payload.trim.start, trimEnd: payload.trim.end };
  let plan: TranscodePlan;
  try {
    plan = planTranscode(
      job,
      { preset: payload.preset, probe: payload.probe },
      { absolute: source.path, shown: `${payload.source.root}/${payload.source.path}`, release: async () => undefined },
      (path) => media.outputTarget(path),
    );
  } catch (err) {
    if (err instanceof UnrunnableJob) return { kind: 'failed', errorMessage: err.message, retryable: false };
    throw err;
  }
  await media.prepareOutput(plan.tempPath);
  const stop = new AbortController();
  let lastSent = 0;
  let ended: string | undefined;
  const reporter = new ProgressReporter(job.jobId, job.attempt, plan.command.expectedDuration, {
    publish: async (progress) => {
      const last = progress.percent === 100;
      if (!last && Date.now() - lastSent < deps.progressIntervalMs) return;
      lastSent = Date.now();
      const answer = await deps.callback.progress({
        status: 'progress',
        attempt: job.attempt,
        percent: progress.percent ?? 0,
        fps: progress.fps ?? 0,
        speed: progress.speed ?? 0,
        currentTime: progress.currentTime ?? 0,
        etaSeconds: progress.etaSeconds ?? 0,
      });
      if (answer.changed === false) {
        ended = answer.status;
        stop.abort('ended');
      }
    },
    // The API derives milestones from the progress it is sent.
    milestone: async () => undefined,
    onError: (what, err) => logger.warn(`job ${job.jobId}: ${what} not reported: ${err.message}`),
  });
  const shown = [...media.shownPaths(), sourceShownPath(plan.source)];
  const ran = await runFfmpeg(deps.ffmpeg, plan.command, {
    signal: stop.signal,
    stallMs: deps.stallTimeoutMs,
    onProgress: (snapshot) => reporter.report(snapshot),
  });
  await reporter.flush();
  if (ran.kind !== 'completed') {
    await media.remove(plan.tempPath);
    if (ran.kind === 'aborted') return { kind: 'ended-elsewhere', status: ended ?? 'ended' };
    const failure = attemptFailure(ran, {
      producedOutput: reporter.producedOutput,
      stallTimeoutMs: deps.stallTimeoutMs,
      summary: (stderr) => ffmpegErrorSummary(stderr, shown),
    });
    return { kind: 'failed', ...failure };
  }
  const probe = await checkOutput(deps.ffprobe, media.outputTarget(plan.tempPath), plan.expected, shown);
  if (typeof probe === 'string') {
    await media.remove(plan.tempPath);
    return { kind: 'failed', errorMessage: `ffmpeg finished, but ${probe}`, retryable: false };
  }
  await media.stage(plan.tempPath);
  reporter.finish();
  await reporter.flush();
  return { kind: 'completed' };
}
