import { Column, Entity, PrimaryColumn } from 'typeorm';
import { numeric } from './column-transformers';

/** The last MPR_EVENTS sequence a projection applied, written in the same transaction as its rows. */
@Entity('projection_checkpoints')
export class CheckpointRow {
  @PrimaryColumn('text') name!: string;
  @Column('bigint', { transformer: numeric }) sequence!: number;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
