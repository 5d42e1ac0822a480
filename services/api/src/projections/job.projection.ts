import type { EntityManager } from 'typeorm';
import { type JobEvent, jobColumnChange, type StoredEvent } from '@mpr/core';
import { JobRow } from '../read-models/job.entity';

export type JobStoredEvent = StoredEvent<JobEvent>;

/** Writes what `jobColumnChange` (libs/core, shared with the dashboard's live rows) says the event does to its job's row. */
export async function projectJob(em: EntityManager, stored: JobStoredEvent): Promise<void> {
  const repo = em.getRepository(JobRow);
  const id = stored.aggregate.id;
  const change = jobColumnChange(id, stored.event, stored.sequence, stored.occurredAt);
  if (change.kind === 'create') {
    await repo.insert(change.row);
    return;
  }
  const { progressAtLeast } = change;
  await repo.update({ id }, progressAtLeast === undefined ? change.set : { ...change.set, progress: () => `GREATEST(progress, ${Number(progressAtLeast)})` });
}
