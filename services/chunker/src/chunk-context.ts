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
  /** The preset's version these settings are: segment items carry it, so every replica encodes with the same ones. */
  readonly presetVersion: number;
  readonly source: NonNullable<Awaited<ReturnType<typeof loadSource>>>;
}

async function loadSource(store: EventStore, assetId: string) {
  return (await loadState(store, { type: 'asset', id: assetId }, assetDecider)).state.probe;
}

/** Attempts whose context a replica keeps: a few jobs' segments are in flight at once. */
const CACHED_ATTEMPTS = 16;

@Injectable()
export class ChunkContextLoader {
  /**
   * By `<jobId>-a<attempt>`: an attempt's source, preset and plan do not
   * change, and every segment would otherwise read them from the log again
   * (five aggregate loads per segment).
   */
  private readonly contexts = new Map<string, Promise<ChunkContext>>();

  constructor(
    private readonly store: EventStore,
    private readonly planner: TranscodePlanner,
  ) {}

  async job(jobId: string): Promise<{ state: JobState; version: number }> {
    return loadState(this.store, { type: 'job', id: jobId }, jobDecider);
  }

  /**
   * Throws UnrunnableJob for a job that cannot run (the single-pass planner's
   * checks); read once per attempt. `presetVersion` (a segment item's): the
   * preset as the coordinator planned with it, not as edited since.
   */
  load(job: JobState, presetVersion?: number): Promise<ChunkContext> {
    const key = `${job.jobId}-a${job.attempt}`;
    let context = this.contexts.get(key);
    if (!context) {
      context = this.read(job, presetVersion);
      this.contexts.set(key, context);
      // A failed read is not kept: the next segment reads again.
      context.catch(() => this.contexts.delete(key));
      if (this.contexts.size > CACHED_ATTEMPTS) {
        const oldest = this.contexts.keys().next().value as string;
        // Its source copy (a bucket's object spooled to scratch space) goes with it; a local source releases nothing.
        void this.contexts
          .get(oldest)
          ?.then((evicted) => evicted.plan.source.release())
          .catch(() => undefined);
        this.contexts.delete(oldest);
      }
    }
    return context;
  }

  private async read(job: JobState, presetVersion?: number): Promise<ChunkContext> {
    const plan = await this.planner.plan(job);
    const [{ state: preset, version }, source] = await Promise.all([
      loadState(this.store, { type: 'preset', id: job.presetId }, presetDecider, { upTo: presetVersion }),
      loadSource(this.store, job.sourceAssetId),
    ]);
    if (!source) throw new UnrunnableJob(`source asset ${job.sourceAssetId} has not been probed yet`);
    return { plan, preset: preset.settings, presetVersion: version, source };
  }
}
