import type { EntityManager } from 'typeorm';
import type { PresetSettings } from '@mpr/contracts/preset_pb';
import { assertNever, type StoredEvent } from '@mpr/core';
import { PresetRow } from '../read-models/preset.entity';

type PresetCase = 'presetCreated' | 'presetUpdated' | 'presetDeleted';
export type PresetStoredEvent = StoredEvent<Extract<StoredEvent['event'], { case: PresetCase }>>;

function settingsColumns(s: PresetSettings | undefined) {
  return {
    name: s?.name ?? '',
    description: s?.description ?? '',
    container: s?.container ?? '',
    videoCodec: s?.videoCodec ?? '',
    videoBitrate: s?.videoBitrate ?? '',
    videoCrf: s?.videoCrf ?? null,
    videoPreset: s?.videoPreset ?? '',
    width: s?.width ?? null,
    height: s?.height ?? null,
    framerate: s?.framerate ?? null,
    audioCodec: s?.audioCodec ?? '',
    audioBitrate: s?.audioBitrate ?? '',
    audioChannels: s?.audioChannels ?? null,
    audioSampleRate: s?.audioSampleRate ?? null,
  };
}

export async function projectPreset(em: EntityManager, stored: PresetStoredEvent): Promise<void> {
  const repo = em.getRepository(PresetRow);
  const id = stored.aggregate.id;
  const touch = { updatedAt: stored.occurredAt, version: stored.sequence };
  const { event } = stored;
  switch (event.case) {
    case 'presetCreated':
      await repo.insert({ id, ...settingsColumns(event.value.settings), builtin: event.value.builtin, createdAt: stored.occurredAt, ...touch });
      return;
    case 'presetUpdated':
      await repo.update({ id }, { ...settingsColumns(event.value.settings), ...touch });
      return;
    case 'presetDeleted':
      await repo.delete({ id });
      return;
    default:
      assertNever(event);
  }
}
