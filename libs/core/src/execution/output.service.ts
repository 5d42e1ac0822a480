import { posix } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { assetDecider, type AssetState } from '../domain/asset.decider';
import { assetIdFor } from '../media/asset-id';
import { DomainError, IllegalTransition } from '../errors/domain.errors';
import { EventStore } from '../events/event-store';
import { handleCommand } from '../domain/command-handler';
import type { ProbeResult } from '../media/probe.mapper';
import { loadState } from './aggregate-state';
import { OutputFilesRepository } from './output-files.repository';
import { withJobSuffix } from './output-paths';

export interface PublishedOutput {
  /** Relative to MEDIA_OUT. */
  readonly outputPath: string;
  readonly assetId: string;
}

/**
 * Publishes a verified encode under its final name, as an asset of root
 * "out" that names the job it came from.
 *
 * A name is claimed by registering its asset *before* the file is moved
 * there: two jobs finishing with the same outputFilename cannot both win
 * (the asset's first event expects version 0), and a name whose asset names
 * this job is this job's own, from an earlier attempt, so the file there is
 * overwritten and a job never leaves two outputs. A name held by another
 * job's asset, or by a file nobody registered, is not ours: the output then
 * goes to `<name>-<first 8 of the job id>.<ext>`.
 */
@Injectable()
export class OutputService {
  private readonly logger = new Logger(OutputService.name);

  constructor(
    private readonly store: EventStore,
    private readonly files: OutputFilesRepository,
  ) {}

  /**
   * Moves `tempPath` to the job's output name (or its fallback) and records the probe of the result. `staged`: the
   * file is an executor's staged output (OutputFilesRepository.fetchStaged), published from where it was staged.
   */
  async publish(jobId: string, outputPath: string, tempPath: string, probe: ProbeResult, options: { staged?: boolean } = {}): Promise<PublishedOutput> {
    const fileSize = await this.files.size(tempPath);
    const candidates = new Set([outputPath, withJobSuffix(outputPath, jobId), withJobSuffix(outputPath, jobId, jobId.length)]);
    for (const candidate of candidates) {
      const assetId = assetIdFor('out', candidate);
      if (!(await this.claim(candidate, assetId, jobId, fileSize))) continue;
      await (options.staged ? this.files.publishStaged(tempPath, candidate) : this.files.move(tempPath, candidate));
      // An overwritten output of an earlier attempt gets the probe of the new file; an identical one changes nothing.
      await handleCommand(this.store, { type: 'asset', id: assetId }, assetDecider, { type: 'RecordProbe', assetId, probe });
      if (candidate !== outputPath) this.logger.log(`job ${jobId}: ${outputPath} belongs to another job, output written to ${candidate}`);
      return { outputPath: candidate, assetId };
    }
    throw new Error(`no free output name for job ${jobId}: ${[...candidates].join(', ')} belong to other jobs`);
  }

  /** Takes back a published output whose job refused it (cancelled meanwhile): no file, no asset. */
  async retract(output: PublishedOutput): Promise<void> {
    await this.files.unpublish(output.outputPath);
    try {
      await handleCommand(this.store, { type: 'asset', id: output.assetId }, assetDecider, { type: 'DeleteAsset', assetId: output.assetId });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
    }
  }

  /** True if `path` is this job's to write: claimed now, or by an earlier attempt. */
  private async claim(path: string, assetId: string, jobId: string, fileSize: bigint): Promise<boolean> {
    const { state } = await loadState(this.store, { type: 'asset', id: assetId }, assetDecider);
    if (isRegistered(state)) return state.sourceJobId === jobId;
    if (await this.files.exists(path)) return false;
    try {
      await handleCommand(this.store, { type: 'asset', id: assetId }, assetDecider, {
        type: 'RegisterAsset',
        assetId,
        filePath: path,
        filename: posix.basename(path),
        fileSize,
        root: 'out',
        sourceJobId: jobId,
      });
      return true;
    } catch (err) {
      if (!(err instanceof IllegalTransition)) throw err;
      // Registered by someone else between our read and our write: theirs unless it names this job.
      const { state: now } = await loadState(this.store, { type: 'asset', id: assetId }, assetDecider);
      return isRegistered(now) && now.sourceJobId === jobId;
    }
  }
}

function isRegistered(asset: AssetState): boolean {
  return asset.status !== 'NONE' && asset.status !== 'DELETED';
}
