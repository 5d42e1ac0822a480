import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('DispatchState', { description: 'Whether the scheduler hands pending jobs to executors (pauseDispatch / resumeDispatch).' })
export class DispatchStateType {
  @Field() paused!: boolean;
  @Field({ description: "The reason given with the pause; '' while dispatching." }) reason!: string;
  @Field(() => Date, { nullable: true, description: 'When it was last paused or resumed; null: never.' }) since!: Date | null;
  @Field(() => Int, { description: 'Jobs waiting: for a worker, or while paused for the resume.' }) pendingJobs!: number;
}

@ObjectType('SkippedJob')
export class SkippedJobType {
  @Field(() => ID) jobId!: string;
  @Field({ description: 'Why this job was left as it is, e.g. "cannot retry job … in state PENDING".' }) reason!: string;
}

@ObjectType('BulkResult', { description: 'One action over many jobs: each job on its own, a job that changed state meanwhile is skipped.' })
export class BulkResultType {
  @Field(() => Int) affected!: number;
  @Field(() => Int) skipped!: number;
  @Field(() => [SkippedJobType]) skippedJobs!: SkippedJobType[];
}

@ObjectType('RebuildResult')
export class RebuildResultType {
  @Field(() => Int, { description: 'Events replayed.' }) events!: number;
  @Field(() => Float, { description: 'The MPR_EVENTS sequence the read models were rebuilt up to.' }) lastSequence!: number;
  @Field(() => Int) millis!: number;
}
