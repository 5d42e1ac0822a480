import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Executor } from '@mpr/contracts/common_pb';
import { ConcurrencyConflict, IllegalTransition } from '../errors/domain.errors';
import { EventStore } from '../events/event-store';
import { handleCommand } from '../domain/command-handler';
import { withoutHostPaths } from '../ffmpeg/stderr.summary';
import { jobDecider, type JobState } from '../domain/job.decider';
import type { PublishedOutput } from './output.service';

/** The attempt ended without us: the job was cancelled, or someone else failed the attempt. */
export type EndedElsewhere = 'cancelled' | 'superseded';

/**
 * The events a transcoder appends to a job. Each names its attempt, so the
 * decider refuses one from an attempt the job has moved past; a refusal
 * tells how the attempt ended instead.
 */
@Injectable()
export class JobRecorder {
  private readonly logger = new Logger(JobRecorder.name);

  constructor(private readonly store: EventStore) {}

  /**
   * JobStarted, expecting the version the job was read at: of several
   * replicas holding the same job, one wins. undefined if the job changed
   * since (read it again).
   */
  async start(job: JobState, version: number, workerId: string): Promise<JobState | undefined> {
    const events = jobDecider.decide({ type: 'StartJob', jobId: job.jobId, workerId, executor: Executor.LOCAL }, job);
    try {
      await this.store.append({ type: 'job', id: job.jobId }, events, { expectedVersion: version, commandId: randomUUID(), now: new Date() });
    } catch (err) {
      if (err instanceof ConcurrencyConflict) return undefined;
      throw err;
    }
    return events.reduce(jobDecider.evolve, job);
  }

  /** A late milestone (the attempt ended meanwhile) means nothing. */
  async milestone(job: JobState, percent: number): Promise<void> {
    await this.append(job, { type: 'ReportMilestone', jobId: job.jobId, attempt: job.attempt, percent });
  }

  async fail(job: JobState, reason: string, retryable: boolean): Promise<'failed' | EndedElsewhere> {
    // Whatever failed (a disk error, a probe), users never read a host path; ffmpeg's own words already name media paths.
    const errorMessage = withoutHostPaths(reason);
    const ended = await this.append(job, { type: 'FailJob', jobId: job.jobId, attempt: job.attempt, errorMessage, retryable });
    if (ended) return ended;
    this.logger.warn(`job ${job.jobId} attempt ${job.attempt} failed (${retryable ? 'retryable' : 'final'}): ${errorMessage}`);
    return 'failed';
  }

  /** The attempt's worker died: failed as retryable, so the scheduler gives the job another attempt. */
  async markLost(job: JobState): Promise<void> {
    const errorMessage = `worker lost during attempt ${job.attempt}`;
    // Deterministic command id: replicas that see the same redelivery append one event.
    const ended = await this.append(
      job,
      { type: 'FailJob', jobId: job.jobId, attempt: job.attempt, errorMessage, retryable: true },
      `lost-${job.jobId}-${job.attempt}`,
    );
    if (!ended) this.logger.warn(`job ${job.jobId} attempt ${job.attempt} failed (retryable): its worker ${job.workerId} was lost`);
  }

  async complete(job: JobState, output: PublishedOutput): Promise<'completed' | EndedElsewhere> {
    const command = { type: 'CompleteJob' as const, jobId: job.jobId, attempt: job.attempt, outputPath: output.outputPath, outputAssetId: output.assetId };
    return (await this.append(job, command)) ?? 'completed';
  }

  private async append(job: JobState, command: Parameters<typeof jobDecider.decide>[0], commandId?: string): Promise<EndedElsewhere | undefined> {
    try {
      await handleCommand(this.store, { type: 'job', id: job.jobId }, jobDecider, command, { commandId });
      return undefined;
    } catch (err) {
      if (!(err instanceof IllegalTransition)) throw err;
      return err.state === 'CANCELLED' ? 'cancelled' : 'superseded';
    }
  }
}
