import { Column, Entity, PrimaryColumn } from 'typeorm';
import { numeric } from './column-transformers';

/** Read model of TranscodePreset, built only by the preset projection. */
@Entity('presets')
export class PresetRow {
  @PrimaryColumn('text') id!: string;
  @Column('text') name!: string;
  @Column('text', { default: '' }) description!: string;
  @Column('text') container!: string;
  @Column('text', { name: 'video_codec' }) videoCodec!: string;
  @Column('text', { name: 'video_bitrate' }) videoBitrate!: string;
  @Column('integer', { name: 'video_crf', nullable: true }) videoCrf!: number | null;
  @Column('text', { name: 'video_preset' }) videoPreset!: string;
  @Column('integer', { nullable: true }) width!: number | null;
  @Column('integer', { nullable: true }) height!: number | null;
  @Column('double precision', { nullable: true }) framerate!: number | null;
  @Column('text', { name: 'audio_codec' }) audioCodec!: string;
  @Column('text', { name: 'audio_bitrate' }) audioBitrate!: string;
  @Column('integer', { name: 'audio_channels', nullable: true }) audioChannels!: number | null;
  @Column('integer', { name: 'audio_sample_rate', nullable: true }) audioSampleRate!: number | null;
  @Column('boolean') builtin!: boolean;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  @Column('bigint', { transformer: numeric }) version!: number;
}
