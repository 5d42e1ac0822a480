import { Directive, Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('JobEvent', { description: "One entry of a job's history, straight from the event log." })
export class JobEventType {
  @Field(() => Float, { description: 'Position in MPR_EVENTS.' }) sequence!: number;
  @Field({ description: 'JobCreated, JobStarted, …' }) type!: string;
  @Field() occurredAt!: Date;
  @Field({ description: 'The event as JSON (protobuf JSON mapping).' }) data!: string;
}

@ObjectType('TranscodeJob')
@Directive('@key(fields: "id")')
export class JobType {
  @Field(() => ID) id!: string;
  @Field({ description: 'pending, processing, completed, failed or cancelled.' }) status!: string;
  @Field(() => Float, { description: 'Percent, 0–100.' }) progress!: number;
  @Field(() => Float, { nullable: true, description: 'Encoding speed as a multiple of real time.' }) speed!: number | null;
  @Field(() => Float, { nullable: true, description: 'Seconds left.' }) eta!: number | null;
  @Field(() => ID) sourceAssetId!: string;
  @Field(() => ID) presetId!: string;
  @Field(() => Float, { nullable: true }) trimStart!: number | null;
  @Field(() => Float, { nullable: true }) trimEnd!: number | null;
  @Field() outputFilename!: string;
  @Field(() => String, { nullable: true, description: 'Relative to MEDIA_OUT, once completed.' }) outputPath!: string | null;
  @Field(() => ID, { nullable: true }) outputAssetId!: string | null;
  @Field(() => String, { nullable: true }) errorMessage!: string | null;
  @Field(() => Int) attempt!: number;
  @Field({ description: 'local, lambda or gcp; empty until decided.' }) executor!: string;
  @Field() chunked!: boolean;
  @Field(() => Float, { nullable: true }) chunkDuration!: number | null;
  @Field({ description: 'high, normal or low.' }) priority!: string;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) completedAt!: Date | null;
  @Field(() => Float, { description: 'MPR_EVENTS sequence of the event that queued the current attempt.' }) queuedSequence!: number;
  @Field(() => Float, { description: "MPR_EVENTS sequence of the job's last event these fields show: a live client applies only later ones." })
  version!: number;
}

@ObjectType('JobBoardEntry', { description: "One job's place in a live list: enough to count statuses and order the queue." })
export class JobBoardEntryType {
  @Field(() => ID) id!: string;
  @Field() status!: string;
  @Field() priority!: string;
  @Field(() => Float, { description: 'MPR_EVENTS sequence of the event that queued the current attempt; pending jobs run in (priority, this) order.' })
  queuedSequence!: number;
}

@ObjectType('JobBoard', { description: "The start of a live jobs list: apply the gateway's WatchEvents from `sequence + 1` on top of it." })
export class JobBoardType {
  @Field(() => Float, { description: 'The last MPR_EVENTS sequence the read models had applied when this was read.' }) sequence!: number;
  @Field(() => Int, { description: 'How many jobs are completed. COMPLETED is final, so they have no entry: a live list counts them.' })
  completed!: number;
  @Field(() => [JobBoardEntryType], { description: 'Every job that is not completed (its status can still change), newest first.' })
  entries!: JobBoardEntryType[];
  @Field(() => [JobType], { description: 'One page of the filtered jobs, newest first.' }) jobs!: JobType[];
}

@InputType()
export class CreateJobInput {
  @Field(() => ID) sourceAssetId!: string;
  @Field(() => ID) presetId!: string;
  @Field(() => Float, { nullable: true, description: 'Seconds from the start of the source.' }) trimStart?: number;
  @Field(() => Float, { nullable: true }) trimEnd?: number;
  @Field({
    nullable: true,
    description:
      'File name under MEDIA_OUT; derived from source and preset when absent. The remux of a rotated video writes MOV (Matroska would lose its display matrix): a name given then ends in .mov.',
  })
  outputFilename?: string;
  @Field({ nullable: true, description: 'local, lambda or gcp; the scheduler default (MPR_EXECUTOR) when absent.' }) executor?: string;
  @Field({ nullable: true }) chunked?: boolean;
  @Field(() => Float, {
    nullable: true,
    description: 'Seconds per segment for chunked jobs; by default about two segments per chunker worker (all replicas), 5 to 120 s.',
  })
  chunkDuration?: number;
  @Field({ nullable: true, description: 'high, normal (default) or low.' }) priority?: string;
}
