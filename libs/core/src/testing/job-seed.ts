import { randomUUID } from 'node:crypto';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import type { EventStore } from '../events/event-store';
import { type JobCommand, jobDecider, type JobEvent } from '../domain/job.decider';
import { mapLimit } from '../util/concurrency';

export type SeededStatus = 'completed' | 'failed' | 'pending' | 'processing';

export interface SeedJobsOptions {
  /** How many jobs of each status; they are created in this order, one millisecond apart, so the last ones are the newest. */
  readonly counts: Readonly<Partial<Record<SeededStatus, number>>>;
  readonly sourceAssetId: string;
  readonly presetId: string;
  /** The first job's creation time. */
  readonly from?: Date;
  /** Appends under way at once. */
  readonly concurrency?: number;
}

/**
 * Many jobs in the event log, fast: each job's commands are decided by the
 * job decider (so every event is one the platform could have logged) and
 * appended in one chained append per job, without the load a command
 * handler does first. Nothing runs them: `processing` ones are started by a
 * worker that does not exist (keep the heartbeat watchdog away with a long
 * MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS) and `pending` ones wait only while
 * dispatch is paused. Returns the ids by status, oldest first.
 */
export async function seedJobs(store: EventStore, options: SeedJobsOptions): Promise<Record<SeededStatus, string[]>> {
  const order: SeededStatus[] = ['completed', 'failed', 'pending', 'processing'];
  const plan = order.flatMap((status) => Array.from({ length: options.counts[status] ?? 0 }, () => ({ status, jobId: randomUUID() })));
  const from = (options.from ?? new Date(Date.now() - plan.length)).getTime();
  await mapLimit(plan, options.concurrency ?? 32, async ({ status, jobId }, index) => {
    const commands: JobCommand[] = [
      {
        type: 'CreateJob',
        jobId,
        sourceAssetId: options.sourceAssetId,
        presetId: options.presetId,
        outputFilename: `seeded/${jobId}.mp4`,
        executor: Executor.LOCAL,
        chunked: false,
        priority: Priority.NORMAL,
      },
    ];
    if (status !== 'pending') commands.push({ type: 'StartJob', jobId, workerId: 'seeded', executor: Executor.LOCAL });
    if (status === 'completed') commands.push({ type: 'CompleteJob', jobId, attempt: 1, outputPath: `seeded/${jobId}.mp4`, outputAssetId: `out-${jobId}` });
    if (status === 'failed') commands.push({ type: 'FailJob', jobId, attempt: 1, errorMessage: 'seeded failure', retryable: false });
    let state = jobDecider.initialState;
    const events: JobEvent[] = [];
    for (const command of commands) {
      const decided = jobDecider.decide(command, state);
      state = decided.reduce(jobDecider.evolve, state);
      events.push(...decided);
    }
    await store.append({ type: 'job', id: jobId }, events, { expectedVersion: 0, commandId: randomUUID(), now: new Date(from + index) });
  });
  const ids = Object.fromEntries(order.map((status) => [status, [] as string[]])) as Record<SeededStatus, string[]>;
  for (const { status, jobId } of plan) ids[status].push(jobId);
  return ids;
}
