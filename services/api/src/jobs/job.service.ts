import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, type Repository } from 'typeorm';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import {
  assetDecider,
  EventStore,
  EXECUTORS,
  executorNamed,
  jobDecider,
  loadState,
  NotFound,
  outputContainer,
  presetDecider,
  PRIORITY_CLASSES,
  priorityNamed,
  rangeContents,
  type StoredEvent,
  ValidationError,
} from '@mpr/core';
import { CommandBus } from '../projections/command.bus';
import { READ_MODELS_PROJECTION } from '../projections/read-model.writer';
import { AssetRow } from '../read-models/asset.entity';
import { CheckpointRow } from '../read-models/checkpoint.entity';
import { JobRow } from '../read-models/job.entity';
import { PresetRow } from '../read-models/preset.entity';
import { rowOrNotFound } from '../read-models/row-or-not-found';
import { JOB_STATUSES, parseStatusFilter } from '../read-models/status-filter';

export interface JobPage {
  limit?: number | null;
  offset?: number | null;
}

export interface JobBoard {
  sequence: number;
  /** Completed jobs, counted only: COMPLETED is final (no command applies to it), so a live list needs no entry of theirs. */
  completed: number;
  /** Every job that is not completed. */
  entries: Array<Pick<JobRow, 'id' | 'status' | 'priority' | 'queuedSequence'>>;
  jobs: JobRow[];
}

export interface CreateJobInput {
  sourceAssetId: string;
  presetId: string;
  trimStart?: number | null;
  trimEnd?: number | null;
  outputFilename?: string | null;
  executor?: string | null;
  chunked?: boolean | null;
  chunkDuration?: number | null;
  priority?: string | null;
}

function parseChoice<T>(value: string | null | undefined, named: (name: string) => T | undefined, names: readonly string[], field: string, fallback: T): T {
  if (value === undefined || value === null || value === '') return fallback;
  const choice = named(value);
  if (choice === undefined) throw new ValidationError(`${field} "${value}" is not one of ${names.join(', ')}`, field);
  return choice;
}

const OUTPUT_FILENAME = /^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,199}$/;

/** "clip.mov" + H.264 720p (mp4) → "clip_h264_720p.mp4"; the extension is the container the job writes (outputContainer). */
export function defaultOutputFilename(source: Pick<AssetRow, 'filename'>, preset: Pick<PresetRow, 'name'>, container: string): string {
  const base = source.filename.replace(/\.[^.]+$/, '');
  const slug = preset.name
    .toLowerCase()
    .replace(/\./g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  return `${base}_${slug}.${container}`;
}

/**
 * The job's output file name: the one asked for, or the default. When the job writes another container than its
 * preset's (a stream copy of a rotated video, written as MOV to keep its display matrix), a name asked for must say
 * so: an .mkv holding a MOV would mislead whoever opens it by its name.
 */
function outputFilenameOf(asked: string | null | undefined, source: AssetRow, preset: PresetRow, container: string, rotation: number): string {
  const name = asked?.trim() || defaultOutputFilename(source, preset, container);
  if (!OUTPUT_FILENAME.test(name)) {
    throw new ValidationError(`outputFilename "${name}" may hold letters, digits, spaces and ._()- only, and no folders`, 'outputFilename');
  }
  if (container !== preset.container && !name.toLowerCase().endsWith(`.${container}`)) {
    throw new ValidationError(
      `outputFilename "${name}": the source's video is turned ${rotation}° by its display matrix, which a stream copy into ${preset.container} ` +
        `would lose (ffmpeg 5.1 writes no matrix there), so this job writes ${container.toUpperCase()}: name the output .${container}, or leave outputFilename out`,
      'outputFilename',
    );
  }
  return name;
}

@Injectable()
export class JobService {
  constructor(
    @InjectRepository(JobRow) private readonly jobs: Repository<JobRow>,
    @InjectRepository(AssetRow) private readonly assets: Repository<AssetRow>,
    @InjectRepository(PresetRow) private readonly presets: Repository<PresetRow>,
    private readonly bus: CommandBus,
    private readonly store: EventStore,
  ) {}

  list(status?: string | null, page: JobPage = {}): Promise<JobRow[]> {
    return this.listIn(this.jobs, status, page);
  }

  /**
   * What a live list starts from: every job's status and queue place, one
   * page of rows, and the read models' checkpoint — read in one snapshot
   * (REPEATABLE READ), so the events after `sequence` are exactly the ones
   * the answer does not show yet.
   */
  board(status: string | null | undefined, page: JobPage): Promise<JobBoard> {
    return this.jobs.manager.transaction('REPEATABLE READ', async (em) => {
      const jobs = em.getRepository(JobRow);
      const checkpoint = await em.getRepository(CheckpointRow).findOneBy({ name: READ_MODELS_PROJECTION });
      // Most of a long-lived board is completed jobs: sent as one count, 10,000 jobs were a 1.1 MB answer.
      const entries = await jobs.find({
        select: { id: true, status: true, priority: true, queuedSequence: true },
        where: { status: Not('completed') },
        order: { createdAt: 'DESC', id: 'ASC' },
      });
      const completed = await jobs.countBy({ status: 'completed' });
      return { sequence: checkpoint?.sequence ?? 0, completed, entries, jobs: await this.listIn(jobs, status, page) };
    });
  }

  private listIn(jobs: Repository<JobRow>, status: string | null | undefined, { limit, offset }: JobPage): Promise<JobRow[]> {
    const filter = parseStatusFilter(status, JOB_STATUSES);
    if (limit !== undefined && limit !== null && (limit < 1 || limit > 1_000)) throw new ValidationError(`limit ${limit} must be 1 to 1000`, 'limit');
    if (offset !== undefined && offset !== null && offset < 0) throw new ValidationError(`offset ${offset} must be 0 or more`, 'offset');
    return jobs.find({ where: filter ? { status: filter } : {}, order: { createdAt: 'DESC', id: 'ASC' }, take: limit ?? undefined, skip: offset ?? undefined });
  }

  listForSource(sourceAssetId: string): Promise<JobRow[]> {
    return this.jobs.find({ where: { sourceAssetId }, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  /** With `after`: once the read models include that MPR_EVENTS sequence. */
  async get(id: string, after?: number | null): Promise<JobRow> {
    if (after) await this.bus.applied({ type: 'job', id }, after);
    return rowOrNotFound(this.jobs, 'job', id);
  }

  /** The job's history, read from the log rather than the read model. */
  async history(id: string): Promise<StoredEvent[]> {
    return (await this.store.load({ type: 'job', id })).events;
  }

  async create(input: CreateJobInput): Promise<JobRow> {
    const source = await this.assets.findOneBy({ id: input.sourceAssetId });
    if (!source) throw new NotFound('asset', input.sourceAssetId);
    if (source.status === 'missing') {
      throw new ValidationError(
        `asset ${source.id} is missing: its file ${source.filePath} was not under MEDIA_IN at the last scan (put it back and scan again)`,
        'sourceAssetId',
      );
    }
    if (source.status !== 'ready') {
      throw new ValidationError(`asset ${source.id} is ${source.status}${source.errorMessage ? ` (${source.errorMessage})` : ''}, not ready`, 'sourceAssetId');
    }
    const preset = await this.presets.findOneBy({ id: input.presetId });
    if (!preset) throw new NotFound('preset', input.presetId);
    const rotation = await this.refuseWhatCannotWork(source.id, input);
    const container = outputContainer(preset, { rotation });
    const outputFilename = outputFilenameOf(input.outputFilename, source, preset, container, rotation);
    const jobId = randomUUID();
    await this.bus.execute({ type: 'job', id: jobId }, jobDecider, {
      type: 'CreateJob',
      jobId,
      sourceAssetId: source.id,
      presetId: preset.id,
      trimStart: input.trimStart ?? undefined,
      trimEnd: input.trimEnd ?? undefined,
      outputFilename,
      executor: parseChoice(input.executor, executorNamed, EXECUTORS, 'executor', Executor.UNSPECIFIED),
      chunked: input.chunked ?? false,
      chunkDuration: input.chunkDuration ?? undefined,
      priority: parseChoice(input.priority, priorityNamed, PRIORITY_CLASSES, 'priority', Priority.NORMAL),
    });
    return this.get(jobId);
  }

  /**
   * What the source's probe already shows cannot work (a trim outside it, a
   * preset that makes nothing from it, a range where none of the streams it
   * keeps has anything) is refused here, before a job exists, by the same
   * rule the transcoder plans by (rangeContents). Read from the log, as the
   * planner reads them: the probe's stream spans are not in the read model.
   * Answers the probe's rotation, which decides the output's container as the
   * planner decides it (outputContainer).
   */
  private async refuseWhatCannotWork(assetId: string, input: CreateJobInput): Promise<number> {
    const [{ state: asset }, { state: preset }] = await Promise.all([
      loadState(this.store, { type: 'asset', id: assetId }, assetDecider),
      loadState(this.store, { type: 'preset', id: input.presetId }, presetDecider),
    ]);
    if (!asset.probe || preset.status === 'NONE') return asset.probe?.rotation ?? 0;
    rangeContents(asset.probe, { start: input.trimStart ?? undefined, end: input.trimEnd ?? undefined }, preset.settings);
    return asset.probe.rotation;
  }

  async cancel(id: string): Promise<JobRow> {
    await this.get(id);
    await this.bus.execute({ type: 'job', id }, jobDecider, { type: 'CancelJob', jobId: id, reason: 'cancelled by user' });
    return this.get(id);
  }

  async retry(id: string): Promise<JobRow> {
    await this.get(id);
    await this.bus.execute({ type: 'job', id }, jobDecider, { type: 'RetryJob', jobId: id, automatic: false });
    return this.get(id);
  }
}
