import type { EntityManager } from 'typeorm';
import { assertNever, executorName, priorityClass, type StoredEvent } from '@mpr/core';
import { JobRow } from '../read-models/job.entity';

type JobCase = 'jobCreated' | 'jobStarted' | 'jobProgressed' | 'jobCompleted' | 'jobFailed' | 'jobCancelled' | 'jobRetried' | 'jobPriorityChanged';
export type JobStoredEvent = StoredEvent<Extract<StoredEvent['event'], { case: JobCase }>>;

/** A pending attempt's run columns, as a new job and a retried one have them: nothing has run yet. */
const NOT_STARTED = { progress: 0, speed: null, eta: null, errorMessage: null, workerId: null, startedAt: null, completedAt: null } satisfies Partial<JobRow>;

export async function projectJob(em: EntityManager, stored: JobStoredEvent): Promise<void> {
  const repo = em.getRepository(JobRow);
  const id = stored.aggregate.id;
  const touch = { version: stored.sequence };
  const { event } = stored;
  switch (event.case) {
    case 'jobCreated': {
      const e = event.value;
      await repo.insert({
        id,
        sourceAssetId: e.sourceAssetId,
        presetId: e.presetId,
        status: 'pending',
        priority: priorityClass(e.priority),
        trimStart: e.trimStart ?? null,
        trimEnd: e.trimEnd ?? null,
        outputFilename: e.outputFilename,
        outputPath: null,
        outputAssetId: null,
        attempt: 1,
        executor: executorName(e.executor) ?? '',
        chunked: e.chunked,
        chunkDuration: e.chunkDuration ?? null,
        createdAt: stored.occurredAt,
        queuedSequence: stored.sequence,
        ...NOT_STARTED,
        ...touch,
      });
      return;
    }
    case 'jobStarted':
      await repo.update(
        { id },
        {
          status: 'processing',
          attempt: event.value.attempt,
          workerId: event.value.workerId,
          executor: executorName(event.value.executor) ?? '',
          startedAt: stored.occurredAt,
          progress: 0,
          ...touch,
        },
      );
      return;
    case 'jobProgressed':
      // Live telemetry may already be past this milestone: never move backwards.
      await repo.update({ id }, { progress: () => `GREATEST(progress, ${Number(event.value.percent)})`, ...touch });
      return;
    case 'jobCompleted':
      await repo.update(
        { id },
        {
          status: 'completed',
          progress: 100,
          eta: 0,
          outputPath: event.value.outputPath,
          outputAssetId: event.value.outputAssetId || null,
          completedAt: stored.occurredAt,
          ...touch,
        },
      );
      return;
    case 'jobFailed':
      await repo.update({ id }, { status: 'failed', errorMessage: event.value.errorMessage, completedAt: stored.occurredAt, eta: null, ...touch });
      return;
    case 'jobCancelled':
      await repo.update({ id }, { status: 'cancelled', completedAt: stored.occurredAt, eta: null, ...touch });
      return;
    case 'jobRetried':
      await repo.update({ id }, { status: 'pending', attempt: event.value.attempt, queuedSequence: stored.sequence, ...NOT_STARTED, ...touch });
      return;
    case 'jobPriorityChanged':
      await repo.update({ id }, { priority: priorityClass(event.value.priority), ...touch });
      return;
    default:
      assertNever(event);
  }
}
