import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { PriorityClass } from '@mpr/core';
import { numeric } from './column-transformers';

/**
 * Read model of TranscodeJob. State columns come from MPR_EVENTS; the live
 * progress columns (progress, speed, eta) from MPR_TELEMETRY.
 */
@Entity('jobs')
@Index(['status', 'createdAt'])
export class JobRow {
  @PrimaryColumn('text') id!: string;
  @Index() @Column('text', { name: 'source_asset_id' }) sourceAssetId!: string;
  @Column('text', { name: 'preset_id' }) presetId!: string;
  @Column('text') status!: 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';
  @Column('text') priority!: PriorityClass;
  @Column('double precision', { name: 'trim_start', nullable: true }) trimStart!: number | null;
  @Column('double precision', { name: 'trim_end', nullable: true }) trimEnd!: number | null;
  @Column('text', { name: 'output_filename' }) outputFilename!: string;
  @Column('text', { name: 'output_path', nullable: true }) outputPath!: string | null;
  @Column('text', { name: 'output_asset_id', nullable: true }) outputAssetId!: string | null;
  @Column('double precision', { default: 0 }) progress!: number;
  @Column('double precision', { nullable: true }) speed!: number | null;
  @Column('double precision', { nullable: true }) eta!: number | null;
  @Column('text', { name: 'error_message', nullable: true }) errorMessage!: string | null;
  @Column('integer') attempt!: number;
  /** '' until the scheduler or a per-job override decides. */
  @Column('text') executor!: string;
  @Column('boolean') chunked!: boolean;
  @Column('double precision', { name: 'chunk_duration', nullable: true }) chunkDuration!: number | null;
  @Column('text', { name: 'worker_id', nullable: true }) workerId!: string | null;
  /** Unfiltered pages (newest first) read the first rows of this index, not a sort of every job (3.5 ms → 0.2 ms at 10,000). */
  @Index() @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt!: Date | null;
  @Column('bigint', { transformer: numeric }) version!: number;
  /** The MPR_EVENTS sequence of the event that queued the current attempt (JobCreated, JobRetried): a pending job's place in its priority class. */
  @Column('bigint', { name: 'queued_sequence', transformer: numeric, default: 0 }) queuedSequence!: number;
}
