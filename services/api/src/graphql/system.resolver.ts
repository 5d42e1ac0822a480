import { UseFilters } from '@nestjs/common';
import { Args, Int, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { DispatchService } from '../system/dispatch.service';
import { SystemStatusService } from '../system/system-status.service';
import { JobType } from './job.types';
import { DispatchStateType } from './operator.types';
import { ReadModelPositionType, ServiceHealthType, SystemStatusType, WorkQueueType } from './system.types';
import { ClientErrorsFilter } from './client-errors.filter';

@UseFilters(ClientErrorsFilter)
@Resolver(() => SystemStatusType)
export class SystemResolver {
  constructor(
    private readonly system: SystemStatusService,
    private readonly dispatchSwitch: DispatchService,
  ) {}

  @Query(() => SystemStatusType)
  systemStatus() {
    return this.system.overview();
  }

  @ResolveField(() => [ServiceHealthType], {
    description: 'Every service, with each replica that answered the health ping on NATS (about a second to gather).',
  })
  services() {
    return this.system.services();
  }

  @ResolveField(() => [WorkQueueType], { description: 'Depth and consumer lag per work class of MPR_WORK.' })
  workQueues() {
    return this.system.workQueues();
  }

  @ResolveField(() => ReadModelPositionType)
  readModels() {
    return this.system.readModels();
  }

  @ResolveField(() => [JobType], { description: 'Failed jobs, the latest failure first.' })
  recentFailures(@Args('limit', { type: () => Int, nullable: true, defaultValue: 10, description: '1 to 100.' }) limit: number) {
    return this.system.recentFailures(limit);
  }

  @ResolveField(() => DispatchStateType)
  dispatch() {
    return this.dispatchSwitch.view();
  }
}
