import { UseFilters } from '@nestjs/common';
import { Args, Context, Float, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { toJsonString } from '@bufbuild/protobuf';
import { EventSchema } from '@mpr/contracts/events_pb';
import { create } from '@bufbuild/protobuf';
import { AssetService } from '../assets/asset.service';
import { JobService } from '../jobs/job.service';
import { MediaUrlService } from '../media/media-url.service';
import { PresetService } from '../presets/preset.service';
import { MediaAssetType } from './asset.types';
import { PresetType } from './preset.types';
import type { JobRow } from '../read-models/job.entity';
import { CreateJobInput, JobBoardType, JobEventType, JobType } from './job.types';
import { MediaUrlType } from './media-url.types';
import { ClientErrorsFilter } from './client-errors.filter';

@UseFilters(ClientErrorsFilter)
@Resolver(() => JobType)
export class JobResolver {
  constructor(
    private readonly jobService: JobService,
    private readonly assetService: AssetService,
    private readonly presetService: PresetService,
    private readonly mediaUrls: MediaUrlService,
  ) {}

  @ResolveField(() => MediaUrlType, { nullable: true, description: 'The finished output in MEDIA_OUT; null until the job completed.' })
  outputUrl(@Parent() job: JobRow): MediaUrlType | null {
    return job.outputPath ? this.mediaUrls.urlFor('out', job.outputPath) : null;
  }

  @ResolveField(() => MediaAssetType, { nullable: true, description: 'Null once the source asset was deleted.' })
  sourceAsset(@Parent() job: JobRow, @Context() request: object) {
    return this.assetService.findInRequest(request, job.sourceAssetId);
  }

  @ResolveField(() => MediaAssetType, { nullable: true })
  outputAsset(@Parent() job: JobRow, @Context() request: object) {
    return job.outputAssetId ? this.assetService.findInRequest(request, job.outputAssetId) : null;
  }

  @ResolveField(() => PresetType, { nullable: true, description: 'Null once the preset was deleted.' })
  preset(@Parent() job: JobRow, @Context() request: object) {
    return this.presetService.findInRequest(request, job.presetId);
  }

  @Query(() => [JobType], { description: 'Jobs, newest first; status: pending, processing, completed, failed or cancelled (any case).' })
  jobs(
    @Args('status', { nullable: true }) status?: string,
    @Args('limit', { type: () => Int, nullable: true, description: '1 to 1000; all when absent.' }) limit?: number,
    @Args('offset', { type: () => Int, nullable: true }) offset?: number,
  ) {
    return this.jobService.list(status, { limit, offset });
  }

  @Query(() => JobBoardType, {
    description: "A live list's start: every job's status (completed ones as a count), one page of rows, and the read models' sequence (one snapshot).",
  })
  jobBoard(
    @Args('status', { nullable: true }) status?: string,
    @Args('limit', { type: () => Int, nullable: true, defaultValue: 100, description: '1 to 1000.' }) limit?: number,
  ) {
    return this.jobService.board(status, { limit });
  }

  @Query(() => JobType)
  job(
    @Args('id', { type: () => ID }) id: string,
    @Args('after', {
      type: () => Float,
      nullable: true,
      description:
        'Answer once the read models include this MPR_EVENTS sequence (an event seen on the gateway); READ_MODELS_BEHIND if they do not within MPR_API_READ_WAIT_SECONDS.',
    })
    after?: number,
  ) {
    return this.jobService.get(id, after);
  }

  @ResolveField(() => [JobEventType], { description: "The job's history from the event log, oldest first.", complexity: 25 })
  async events(@Parent() job: JobRow): Promise<JobEventType[]> {
    const history = await this.jobService.history(job.id);
    return history.map((stored) => ({
      sequence: stored.sequence,
      type: stored.type,
      occurredAt: stored.occurredAt,
      data: toJsonString(EventSchema, create(EventSchema, { data: stored.event })),
    }));
  }

  @Mutation(() => JobType)
  createJob(@Args('input') input: CreateJobInput) {
    return this.jobService.create(input);
  }

  @Mutation(() => JobType, { description: 'Pending jobs never start; processing ones stop.' })
  cancelJob(@Args('id', { type: () => ID }) id: string) {
    return this.jobService.cancel(id);
  }

  @Mutation(() => JobType, { description: 'A failed or cancelled job runs again as a new attempt.' })
  retryJob(@Args('id', { type: () => ID }) id: string) {
    return this.jobService.retry(id);
  }
}
