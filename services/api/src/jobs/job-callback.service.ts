import { Injectable, Logger } from '@nestjs/common';
import {
  assetIdFor,
  type CallbackAnswer,
  type CallbackReport,
  EventStore,
  FfprobeRepository,
  handleCommand,
  IllegalTransition,
  type JobCommand,
  jobDecider,
  type JobState,
  JobTelemetryRepository,
  loadState,
  MILESTONE_STEP,
  OutputFilesRepository,
  OutputService,
  ProbeError,
  tempPathFor,
} from '@mpr/core';
import { CommandBus } from '../projections/command.bus';

/**
 * Turns a cloud executor's reports into what a local transcoder would have
 * appended: live progress on MPR_TELEMETRY with milestones in the log, the
 * output published under its name (claimed as an asset, as OutputService
 * does for every worker) and JobCompleted, or JobFailed.
 *
 * A report for an attempt that has ended (the job completed, failed,
 * cancelled, or retried as a newer attempt) is acknowledged and changes
 * nothing: executions are stopped asynchronously and may still report.
 */
@Injectable()
export class JobCallbackService {
  private readonly logger = new Logger(JobCallbackService.name);

  constructor(
    private readonly bus: CommandBus,
    private readonly store: EventStore,
    private readonly telemetry: JobTelemetryRepository,
    private readonly outputs: OutputService,
    private readonly files: OutputFilesRepository,
    private readonly ffprobe: FfprobeRepository,
  ) {}

  /** `commandId` makes the same signed report, sent again, the same command. */
  async report(jobId: string, report: CallbackReport, commandId: string): Promise<CallbackAnswer> {
    switch (report.status) {
      case 'progress':
        return this.progress(jobId, report);
      case 'completed':
        if (report.outputPath !== undefined) {
          const outputPath = report.outputPath;
          return this.outcome(
            jobId,
            report.attempt,
            { type: 'CompleteJob', jobId, attempt: report.attempt, outputPath, outputAssetId: assetIdFor('out', outputPath) },
            commandId,
          );
        }
        return this.publishStaged(jobId, report.attempt, commandId);
      case 'failed':
        return this.outcome(
          jobId,
          report.attempt,
          { type: 'FailJob', jobId, attempt: report.attempt, errorMessage: report.errorMessage, retryable: report.retryable },
          commandId,
        );
    }
  }

  private async progress(jobId: string, report: Extract<CallbackReport, { status: 'progress' }>): Promise<CallbackAnswer> {
    const { state } = await this.job(jobId);
    if (ended(state, report.attempt)) return unchanged(state);
    const { attempt, percent, fps, speed, currentTime, etaSeconds } = report;
    await this.telemetry.publishProgress({ jobId, attempt, percent, fps, speed, currentTime, etaSeconds });
    const milestone = Math.floor(percent / MILESTONE_STEP) * MILESTONE_STEP;
    if (milestone > state.lastMilestone) {
      // Straight to the log, not through the read models' wait: a progress report is answered at once.
      try {
        await handleCommand(this.store, { type: 'job', id: jobId }, jobDecider, { type: 'ReportMilestone', jobId, attempt, percent: milestone });
      } catch (err) {
        if (!(err instanceof IllegalTransition)) throw err;
        return unchanged((await this.job(jobId)).state);
      }
    }
    return { status: 'processing' };
  }

  /** The executor left its verified output at the attempt's part file: publish it as a local worker would, then complete. */
  private async publishStaged(jobId: string, attempt: number, commandId: string): Promise<CallbackAnswer> {
    const { state } = await this.job(jobId);
    const partPath = tempPathFor(state.outputFilename, jobId, attempt);
    if (ended(state, attempt)) {
      // A late or repeated report: an output still staged for an ended attempt is nobody's.
      await this.files.removeStaged(partPath);
      // The same report again (its first answer was lost, or read models lagged): this attempt did complete.
      if (state.status === 'COMPLETED' && state.attempt === attempt) return { status: 'completed' };
      return unchanged(state);
    }
    // On a bucket MEDIA_OUT the staged object is downloaded here to be probed, then published (uploaded) as a local output is.
    if (!(await this.files.fetchStaged(partPath))) {
      return this.outcome(
        jobId,
        attempt,
        failure(jobId, attempt, `the executor reported its output ready, but out/${state.outputFilename} was not staged`),
        commandId,
      );
    }
    let probe;
    try {
      probe = await this.ffprobe.probe(this.files.absolute(partPath), undefined, [[this.files.absolute(partPath), `out/${state.outputFilename}`]]);
    } catch (err) {
      if (!(err instanceof ProbeError)) throw err;
      await this.files.removeStaged(partPath);
      return this.outcome(jobId, attempt, failure(jobId, attempt, `the executor's output is not readable: ${err.message}`), commandId);
    }
    const output = await this.outputs.publish(jobId, state.outputFilename, partPath, probe, { staged: true });
    // Published from the downloaded copy: the staged object (a bucket's) is not needed any more.
    await this.files.removeStaged(partPath);
    const answer = await this.outcome(
      jobId,
      attempt,
      { type: 'CompleteJob', jobId, attempt, outputPath: output.outputPath, outputAssetId: output.assetId },
      commandId,
    );
    if (answer.changed === false) {
      // Cancelled while we published: the output must not stay.
      await this.outputs.retract(output);
      this.logger.log(`job ${jobId} attempt ${attempt} ended before its output was published: retracted`);
    }
    return answer;
  }

  private async outcome(jobId: string, attempt: number, command: JobCommand, commandId: string): Promise<CallbackAnswer> {
    try {
      const result = await this.bus.execute({ type: 'job', id: jobId }, jobDecider, command, { commandId });
      // In the vocabulary of the GraphQL API and the read model: "completed", not "COMPLETED".
      return { status: result.state.status.toLowerCase() };
    } catch (err) {
      if (!(err instanceof IllegalTransition)) throw err;
      const { state } = await this.job(jobId);
      if (ended(state, attempt)) return unchanged(state);
      throw err;
    }
  }

  private job(jobId: string): Promise<{ state: JobState }> {
    return loadState(this.store, { type: 'job', id: jobId }, jobDecider);
  }
}

/** The attempt is over: the job moved to a newer one, or ended on this one. */
function ended(state: JobState, attempt: number): boolean {
  return state.attempt > attempt || (state.attempt === attempt && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(state.status));
}

function unchanged(state: JobState): CallbackAnswer {
  return { status: state.status.toLowerCase(), changed: false };
}

function failure(jobId: string, attempt: number, errorMessage: string): JobCommand {
  return { type: 'FailJob', jobId, attempt, errorMessage, retryable: true };
}
