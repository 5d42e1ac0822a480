import { Inject, Injectable } from '@nestjs/common';
import type { MediaProbe } from '@mpr/contracts/asset_pb';
import type { PresetSettings } from '@mpr/contracts/preset_pb';
import { type AssetState, assetDecider } from '../domain/asset.decider';
import { buildTranscodeCommand, type TranscodeCommand } from '../ffmpeg/transcode-command';
import { DomainError } from '../errors/domain.errors';
import { EventStore } from '../events/event-store';
import type { JobState } from '../domain/job.decider';
import type { LocalFile, MediaStore } from '../storage/media-store';
import { MEDIA_IN_STORE, MEDIA_OUT_STORE } from '../storage/media-store.providers';
import { type RangeContents, rangeContents } from '../media/source-range';
import { presetDecider, type PresetState } from '../domain/preset.decider';
import { type ExpectedOutput, expectedShown } from './output-verification';
import { tempPathFor } from './output-paths';
import { loadState } from './aggregate-state';
import type { ShownPath } from '../ffmpeg/stderr.summary';

/** What running one attempt takes: the ffmpeg command and where it writes. */
export interface TranscodePlan {
  readonly command: TranscodeCommand;
  /**
   * The source file: where ffmpeg reads it (the file itself on a local root, a spooled copy of a bucket's object),
   * how messages name it (`in/clips/a.mov`: its root and its path there, what users know it by, never the host
   * path or the spool copy's hashed name), and `release()` for when the attempt is done with it.
   */
  readonly source: PlanSource;
  /** Relative to MEDIA_OUT: the job's outputFilename, and the temporary file ffmpeg writes. */
  readonly outputPath: string;
  readonly tempPath: string;
  readonly expected: ExpectedOutput;
  /** What the job's range of the source holds, stream by stream (what a chunked output is verified against). */
  readonly contents: RangeContents;
}

/** A plan's source file (TranscodePlan.source). */
export interface PlanSource {
  readonly absolute: string;
  readonly shown: string;
  release(): Promise<void>;
}

/** The source as ffmpeg's messages show it (ffmpegErrorSummary): its host path, or spooled copy, reads as its media path. */
export function sourceShownPath(source: PlanSource): ShownPath {
  return [source.absolute, source.shown];
}

/** The job cannot run as created (source gone, preset unusable for it): another attempt would fail the same way. */
export class UnrunnableJob extends Error {
  override readonly name = 'UnrunnableJob';
}

/** Turns a job into an ffmpeg command: its source asset, its preset, its trim. Reads only. */
@Injectable()
export class TranscodePlanner {
  constructor(
    private readonly store: EventStore,
    @Inject(MEDIA_IN_STORE) private readonly inStore: MediaStore,
    @Inject(MEDIA_OUT_STORE) private readonly outStore: MediaStore,
  ) {}

  async plan(job: JobState): Promise<TranscodePlan> {
    const [{ state: source }, { state: preset }] = await Promise.all([
      loadState(this.store, { type: 'asset', id: job.sourceAssetId }, assetDecider),
      loadState(this.store, { type: 'preset', id: job.presetId }, presetDecider),
    ]);
    const inputs = runnableInputs(job, source, preset);
    const { file: input, shown } = await this.sourceFile(source);
    try {
      return planTranscode(job, inputs, { absolute: input.path, shown, release: () => input.release() }, (path) => this.outStore.workRoot.target(path));
    } catch (err) {
      await input.release();
      throw err;
    }
  }

  private async sourceFile(source: AssetState): Promise<{ file: LocalFile; shown: string }> {
    const store = source.root === 'out' ? this.outStore : this.inStore;
    try {
      return { file: await store.localFile(source.filePath), shown: `${store.name}/${source.filePath}` };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UnrunnableJob(`source file ${source.filePath} is missing from MEDIA_${store.name.toUpperCase()}`);
      }
      if (err instanceof DomainError) throw new UnrunnableJob(err.message);
      throw err;
    }
  }
}

/** What a job's attempt runs on: its preset's settings and its source's probe, read from the log. */
export interface RunnableInputs {
  readonly preset: PresetSettings;
  readonly probe: MediaProbe;
}

/** The job's preset and source as they are now, or why the job cannot run (UnrunnableJob). Pure. */
export function runnableInputs(job: Pick<JobState, 'sourceAssetId' | 'presetId'>, source: AssetState, preset: PresetState): RunnableInputs {
  // A preset deleted after the job was created still has its settings: the job runs as it was asked for.
  if (preset.status === 'NONE') throw new UnrunnableJob(`preset ${job.presetId} does not exist`);
  return { preset: preset.settings, probe: readySource(source, job.sourceAssetId) };
}

/** The attempt's plan from what the log says and where the source is on this machine. Pure (throws UnrunnableJob). */
export function planTranscode(
  job: Pick<JobState, 'jobId' | 'attempt' | 'outputFilename' | 'trimStart' | 'trimEnd'>,
  { preset, probe }: RunnableInputs,
  source: TranscodePlan['source'],
  outputTarget: (relativePath: string) => string,
): TranscodePlan {
  const tempPath = tempPathFor(job.outputFilename, job.jobId, job.attempt);
  const trim = { start: job.trimStart, end: job.trimEnd };
  let command: TranscodeCommand;
  let contents: RangeContents;
  try {
    command = buildTranscodeCommand({ input: source.absolute, output: outputTarget(tempPath), preset, source: probe, trim });
    contents = rangeContents(probe, trim, preset);
  } catch (err) {
    if (err instanceof DomainError) throw new UnrunnableJob(err.message);
    throw err;
  }
  const copies = preset.videoCodec === 'copy' || preset.audioCodec === 'copy';
  return {
    command,
    source,
    outputPath: job.outputFilename,
    tempPath,
    contents,
    // What the kept streams hold in the range, not the container's length (its longest stream's).
    expected: {
      hasVideo: contents.video !== undefined,
      hasAudio: contents.audio !== undefined,
      expectedDuration: contents.duration,
      atLeast: copies && (job.trimStart ?? 0) > 0,
      ...(contents.video ? { shown: expectedShown(probe, preset.videoCodec === 'copy') } : {}),
    },
  };
}

function readySource(source: AssetState, assetId: string): MediaProbe {
  switch (source.status) {
    case 'READY':
      if (source.probe) return source.probe;
      break;
    case 'NONE':
      throw new UnrunnableJob(`source asset ${assetId} does not exist`);
    case 'DELETED':
      throw new UnrunnableJob(`source asset ${assetId} was deleted`);
    case 'ERROR':
      throw new UnrunnableJob(`source asset ${assetId} could not be probed: ${source.errorMessage}`);
    case 'PENDING':
      break;
  }
  throw new UnrunnableJob(`source asset ${assetId} has not been probed yet`);
}
