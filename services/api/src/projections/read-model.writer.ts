import type { DataSource, EntityManager } from 'typeorm';
import { assertNever, type StoredEvent } from '@mpr/core';
import { type AssetStoredEvent, projectAsset } from './asset.projection';
import { type JobStoredEvent, projectJob } from './job.projection';
import { type PresetStoredEvent, projectPreset } from './preset.projection';
import type { ApplyStage } from './projector-activity';

export const READ_MODELS_PROJECTION = 'read-models';
/**
 * Advisory lock that separates a rebuild (exclusive) from live projectors
 * (shared, per event): a rebuild never races an API replica's writes.
 */
export const READ_MODELS_LOCK = 4_172_001;

function project(em: EntityManager, stored: StoredEvent): Promise<void> {
  const { event } = stored;
  switch (event.case) {
    case 'assetRegistered':
    case 'assetProbed':
    case 'assetProbeFailed':
    case 'assetUpdated':
    case 'assetDeleted':
    case 'assetMissing':
    case 'assetReturned':
      return projectAsset(em, stored as AssetStoredEvent);
    case 'presetCreated':
    case 'presetUpdated':
    case 'presetDeleted':
      return projectPreset(em, stored as PresetStoredEvent);
    case 'jobCreated':
    case 'jobStarted':
    case 'jobProgressed':
    case 'jobCompleted':
    case 'jobFailed':
    case 'jobCancelled':
    case 'jobRetried':
    case 'jobPriorityChanged':
      return projectJob(em, stored as JobStoredEvent);
    case 'dispatchPaused':
    case 'dispatchResumed':
      // No table: the dispatch switch is one tiny aggregate, read from the log (DispatchService).
      return Promise.resolve();
    default:
      return assertNever(event);
  }
}

/**
 * Applies events to the read-model tables, each in one transaction with the
 * checkpoint, and only when its sequence is past the checkpoint: a restart or
 * a second projector neither skips nor double-applies.
 */
export class ReadModelWriter {
  constructor(private readonly dataSource: DataSource) {}

  async ensureCheckpoint(): Promise<number> {
    await this.dataSource.query(`INSERT INTO projection_checkpoints (name, sequence, updated_at) VALUES ($1, 0, now()) ON CONFLICT (name) DO NOTHING`, [
      READ_MODELS_PROJECTION,
    ]);
    const [row] = await this.dataSource.query(`SELECT sequence FROM projection_checkpoints WHERE name = $1`, [READ_MODELS_PROJECTION]);
    return Number(row.sequence);
  }

  /**
   * Returns false when the event had been applied already. `onStage` is told
   * as each step begins (the connection is the first; it starts before the
   * call), so a projection that lags can say which step holds it.
   */
  async apply(stored: StoredEvent, options: { shareLock?: boolean; onStage?: (stage: ApplyStage) => void } = {}): Promise<boolean> {
    const { shareLock = true, onStage } = options;
    return this.dataSource.transaction(async (em) => {
      onStage?.('lock');
      if (shareLock) await em.query('SELECT pg_advisory_xact_lock_shared($1)', [READ_MODELS_LOCK]);
      const [row] = await em.query(`SELECT sequence FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, [READ_MODELS_PROJECTION]);
      if (Number(row.sequence) >= stored.sequence) return false;
      onStage?.('project');
      await project(em, stored);
      await em.query(`UPDATE projection_checkpoints SET sequence = $2, updated_at = now() WHERE name = $1`, [READ_MODELS_PROJECTION, stored.sequence]);
      onStage?.('commit');
      return true;
    });
  }
}
