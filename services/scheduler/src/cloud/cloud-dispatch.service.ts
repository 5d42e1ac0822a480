import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  APP_CONFIG,
  type AppConfig,
  assetDecider,
  CallbackSecret,
  cloudJobPayload,
  type CloudJobPayload,
  EventStore,
  handleCommand,
  IllegalTransition,
  jobDecider,
  type JobState,
  loadState,
  localServiceUrl,
  NotFound,
  presetDecider,
  runnableInputs,
  UnrunnableJob,
} from '@mpr/core';
import { type CloudExecution, type CloudExecutor, type CloudExecutorName, CloudExecutorRefusal } from './cloud-executor';
import { CloudExecutors } from './cloud-executors';
import { DispatchClaims } from './dispatch-claims.repository';

/** Another scheduler replica is starting this attempt's execution: not a failure of the job, a reason to look again. */
export class AttemptClaimed extends Error {
  override readonly name = 'AttemptClaimed';
}

/**
 * Runs a job attempt on a cloud executor: the payload from the log, one
 * execution started, and JobStarted naming that execution as the attempt's
 * worker (so a cancel, or the deadline, knows what to stop). A refusal of the
 * control plane fails the attempt with its words: retryable for throttling
 * and outages (the retry policy tries again later), final otherwise.
 */
@Injectable()
export class CloudDispatchService {
  private readonly logger = new Logger(CloudDispatchService.name);

  constructor(
    private readonly store: EventStore,
    private readonly executors: CloudExecutors,
    private readonly secret: CallbackSecret,
    private readonly claims: DispatchClaims,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * True once an execution runs the attempt. Safe to run twice for one attempt, on one replica or two: the command
   * id is the attempt's, a job no longer PENDING is not started again, and on an executor that would start a second
   * run it throws AttemptClaimed while another replica is starting it (the caller hands the event back).
   */
  async dispatch(job: JobState, name: CloudExecutorName): Promise<boolean> {
    let executor: CloudExecutor;
    let payload: CloudJobPayload;
    let execution: CloudExecution;
    try {
      executor = this.executors.get(name);
      payload = await this.payloadFor(job);
    } catch (err) {
      // Not configured, or the job cannot run as created: another attempt would meet the same.
      if (err instanceof UnrunnableJob || err instanceof CloudExecutorRefusal) return this.fail(job, err.message, false).then(() => false);
      throw err;
    }
    try {
      execution = executor.startsOnce ? await executor.start(payload) : await this.startClaimed(executor, payload);
    } catch (err) {
      if (err instanceof CloudExecutorRefusal) return this.fail(job, err.message, err.retryable).then(() => false);
      throw err;
    }
    try {
      await handleCommand(
        this.store,
        { type: 'job', id: job.jobId },
        jobDecider,
        { type: 'StartJob', jobId: job.jobId, workerId: execution.executionId, executor: executor.executor },
        { commandId: `dispatch-${job.jobId}-${job.attempt}` },
      );
      this.logger.log(`job ${job.jobId} attempt ${job.attempt} runs on ${name}: ${execution.executionId}`);
      return true;
    } catch (err) {
      if (!(err instanceof IllegalTransition || err instanceof NotFound)) throw err;
      // Cancelled while the execution started: it must not run on unseen.
      this.logger.log(`job ${job.jobId} attempt ${job.attempt} ended while its ${name} execution started: stopping ${execution.executionId}`);
      await executor.cancel(execution.executionId).catch((stopErr: Error) => this.logger.warn(`stopping ${execution.executionId} failed: ${stopErr.message}`));
      return false;
    }
  }

  /**
   * Starts the attempt only as the replica holding its claim, and records the execution under the claim before
   * JobStarted: a replica dispatching the same attempt meanwhile (a redelivery to another scheduler) waits, and
   * then takes the recorded execution instead of starting a second one. Throws while another replica holds it:
   * the job event is handed back and handled again after a delay.
   */
  private async startClaimed(executor: CloudExecutor, payload: CloudJobPayload): Promise<CloudExecution> {
    const { jobId, attempt } = payload;
    const claim = await this.claims.claim(jobId, attempt);
    if (claim.kind === 'started') return { executionId: claim.executionId };
    if (claim.kind === 'held') {
      throw new AttemptClaimed(
        `job ${jobId} attempt ${attempt} is being started on ${executor.name} by scheduler ${claim.holder} (since ${claim.since.toISOString()})`,
      );
    }
    // A claim taken over from a replica that died may have a run already: the executor's start looks for it first.
    const execution = await executor.start(payload);
    if (!(await this.claims.record(jobId, attempt, claim, execution.executionId))) {
      this.logger.warn(`job ${jobId} attempt ${attempt}: the claim was taken over while ${execution.executionId} started`);
    }
    return execution;
  }

  /**
   * Stops the cloud execution of the job's current attempt, if it ran on one.
   * A control plane that cannot be reached throws (the caller tries again);
   * one that refuses is logged: its execution ends by its own timeout.
   */
  async stop(jobId: string, attempt: number): Promise<void> {
    const { state } = await loadState(this.store, { type: 'job', id: jobId }, jobDecider);
    if (state.attempt !== attempt || !state.workerId) return;
    try {
      // Not configured any more (the deployment dropped it since): a refusal, logged below.
      const executor = this.executors.ranBy(state.workerExecutor);
      if (!executor) return;
      await executor.cancel(state.workerId);
      this.logger.log(`job ${jobId} attempt ${attempt}: ${executor.name} execution ${state.workerId} stopped`);
    } catch (err) {
      if (err instanceof CloudExecutorRefusal && !err.retryable) {
        this.logger.warn(`job ${jobId} attempt ${attempt}: ${err.message}`);
        return;
      }
      throw err;
    }
  }

  /** What the attempt's execution is given: the job, its source and preset as the log has them, the callback. */
  async payloadFor(job: JobState): Promise<CloudJobPayload> {
    const [{ state: source }, { state: preset }] = await Promise.all([
      loadState(this.store, { type: 'asset', id: job.sourceAssetId }, assetDecider),
      loadState(this.store, { type: 'preset', id: job.presetId }, presetDecider),
    ]);
    const inputs = runnableInputs(job, source, preset);
    const base = this.config.MPR_CALLBACK_URL ?? localServiceUrl('api');
    if (!base) throw new CloudExecutorRefusal('cloud executors need MPR_CALLBACK_URL: the API as they reach it', false);
    const url = `${base.replace(/\/+$/, '')}/api/jobs/${encodeURIComponent(job.jobId)}/callback`;
    return cloudJobPayload(job, inputs, { root: source.root, path: source.filePath }, { url, token: this.secret.tokenFor(job.jobId) });
  }

  /** Deterministic command id per attempt: a repeated dispatch appends one failure. */
  private async fail(job: JobState, errorMessage: string, retryable: boolean): Promise<void> {
    try {
      await handleCommand(
        this.store,
        { type: 'job', id: job.jobId },
        jobDecider,
        { type: 'FailJob', jobId: job.jobId, attempt: job.attempt, errorMessage, retryable },
        { commandId: `dispatch-${job.jobId}-${job.attempt}` },
      );
      this.logger.warn(`job ${job.jobId} attempt ${job.attempt} failed (${retryable ? 'retryable' : 'final'}): ${errorMessage}`);
    } catch (err) {
      // Cancelled (or otherwise decided) in the meantime: nothing left to fail.
      if (err instanceof IllegalTransition || err instanceof NotFound) return;
      throw err;
    }
  }
}
