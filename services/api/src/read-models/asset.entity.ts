import { Column, Entity, PrimaryColumn } from 'typeorm';
import { numeric } from './column-transformers';
import type { ASSET_STATUSES } from './status-filter';

/** Read model of MediaAsset, built only by the asset projection. */
@Entity('assets')
export class AssetRow {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'file_path' }) filePath!: string;
  @Column('text') filename!: string;
  /** 'in' (MEDIA_IN) or 'out' (MEDIA_OUT). */
  @Column('text') root!: string;
  @Column('text') status!: (typeof ASSET_STATUSES)[number];
  @Column('text', { name: 'error_message', nullable: true }) errorMessage!: string | null;
  @Column('bigint', { name: 'file_size', transformer: numeric }) fileSize!: number;
  @Column('double precision', { nullable: true }) duration!: number | null;
  @Column('text', { nullable: true }) container!: string | null;
  @Column('text', { name: 'video_codec', nullable: true }) videoCodec!: string | null;
  @Column('text', { name: 'audio_codec', nullable: true }) audioCodec!: string | null;
  @Column('integer', { nullable: true }) width!: number | null;
  @Column('integer', { nullable: true }) height!: number | null;
  @Column('double precision', { nullable: true }) framerate!: number | null;
  @Column('bigint', { nullable: true, transformer: numeric }) bitrate!: number | null;
  @Column('integer', { name: 'audio_channels', nullable: true }) audioChannels!: number | null;
  @Column('integer', { name: 'audio_sample_rate', nullable: true }) audioSampleRate!: number | null;
  /** The display matrix's quarter turn (0, 90, 180, 270): width and height are before it. */
  @Column('integer', { nullable: true }) rotation!: number | null;
  @Column('text', { default: '' }) comments!: string;
  @Column('text', { name: 'source_job_id', nullable: true }) sourceJobId!: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  /** Stream sequence of the last event applied to this row. */
  @Column('bigint', { transformer: numeric }) version!: number;
}
