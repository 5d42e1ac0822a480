import type { EntityManager } from 'typeorm';
import { AssetStatus } from '@mpr/contracts/common_pb';
import { assertNever, type StoredEvent } from '@mpr/core';
import { AssetRow } from '../read-models/asset.entity';

type AssetCase = 'assetRegistered' | 'assetProbed' | 'assetProbeFailed' | 'assetUpdated' | 'assetDeleted' | 'assetMissing' | 'assetReturned';

/** The statuses a returned file can have again. */
const RETURNED_STATUS: Partial<Record<AssetStatus, AssetRow['status']>> = {
  [AssetStatus.PENDING]: 'pending',
  [AssetStatus.READY]: 'ready',
  [AssetStatus.ERROR]: 'error',
};
export type AssetStoredEvent = StoredEvent<Extract<StoredEvent['event'], { case: AssetCase }>>;

export async function projectAsset(em: EntityManager, stored: AssetStoredEvent): Promise<void> {
  const repo = em.getRepository(AssetRow);
  const id = stored.aggregate.id;
  const touch = { updatedAt: stored.occurredAt, version: stored.sequence };
  const { event } = stored;
  switch (event.case) {
    case 'assetRegistered': {
      const e = event.value;
      // A file registered again after deletion starts over as a new row.
      await repo.delete({ id });
      await repo.insert({
        id,
        filePath: e.filePath,
        filename: e.filename,
        root: e.root,
        status: 'pending',
        errorMessage: null,
        fileSize: Number(e.fileSize),
        comments: '',
        sourceJobId: e.sourceJobId || null,
        createdAt: stored.occurredAt,
        ...touch,
      });
      return;
    }
    case 'assetProbed': {
      const p = event.value.probe;
      await repo.update(
        { id },
        {
          status: 'ready',
          errorMessage: null,
          duration: p?.duration ?? null,
          container: p?.container || null,
          videoCodec: p?.videoCodec || null,
          audioCodec: p?.audioCodec || null,
          width: p?.width || null,
          height: p?.height || null,
          framerate: p?.framerate || null,
          bitrate: p?.bitrate || null,
          audioChannels: p?.audioChannels || null,
          audioSampleRate: p?.audioSampleRate || null,
          rotation: p?.videoCodec ? (p.rotation ?? 0) : null,
          ...touch,
        },
      );
      return;
    }
    case 'assetProbeFailed':
      await repo.update({ id }, { status: 'error', errorMessage: event.value.errorMessage, ...touch });
      return;
    case 'assetUpdated':
      await repo.update({ id }, { comments: event.value.comments, ...touch });
      return;
    case 'assetDeleted':
      await repo.delete({ id });
      return;
    case 'assetMissing':
      await repo.update({ id }, { status: 'missing', ...touch });
      return;
    case 'assetReturned': {
      const e = event.value;
      await repo.update({ id }, { status: RETURNED_STATUS[e.status] ?? 'pending', fileSize: Number(e.fileSize), ...touch });
      return;
    }
    default:
      assertNever(event);
  }
}
