import { Injectable } from '@nestjs/common';
import {
  assetDecider,
  EventStore,
  jobDecider,
  type JobState,
  loadState,
  presetDecider,
  type PresetSettingsInit,
  type TranscodePlan,
  TranscodePlanner,
  UnrunnableJob,
} from '@mpr/core';

/** What a coordinator or a segment worker needs of a job: its single-pass plan (paths, checks), preset and source probe. */
export interface ChunkContext {
  readonly plan: TranscodePlan;
  readonly preset: PresetSettingsInit;
  readonly source: NonNullable<Awaited<ReturnType<typeof loadSource>>>;
}

async function loadSource(store: EventStore, assetId: string) {
  return (await loadState(store, { type: 'asset', id: assetId }, assetDecider)).state.probe;
}

@Injectable()
export class ChunkContextLoader {
  constructor(
    private readonly store: EventStore,
    private readonly planner: TranscodePlanner,
  ) {}

  async job(jobId: string): Promise<{ state: JobState; version: number }> {
    return loadState(this.store, { type: 'job', id: jobId }, jobDecider);
  }

  /** Throws UnrunnableJob for a job that cannot run (the single-pass planner's checks). */
  async load(job: JobState): Promise<ChunkContext> {
    const plan = await this.planner.plan(job);
    const [{ state: preset }, source] = await Promise.all([
      loadState(this.store, { type: 'preset', id: job.presetId }, presetDecider),
      loadSource(this.store, job.sourceAssetId),
    ]);
    if (!source) throw new UnrunnableJob(`source asset ${job.sourceAssetId} has not been probed yet`);
    return { plan, preset: preset.settings, source };
  }
}
