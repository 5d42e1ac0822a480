import { UseFilters } from '@nestjs/common';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { OperatorActionsService } from '../control/operator-actions.service';
import { BulkResultType, DispatchStateType, RebuildResultType } from './operator.types';
import { ClientErrorsFilter } from './client-errors.filter';

/** The operator's actions over the whole platform; the same ones answer on NATS (`<root>.control.<action>`). */
@UseFilters(ClientErrorsFilter)
@Resolver()
export class OperatorResolver {
  constructor(private readonly actions: OperatorActionsService) {}

  @Query(() => DispatchStateType, { description: 'Whether the scheduler dispatches, and how many jobs wait.' })
  dispatchState() {
    return this.actions.dispatchState();
  }

  @Mutation(() => DispatchStateType, {
    description: 'Hold new work: pending jobs stay PENDING (and visible) until resumeDispatch. Refused when paused already.',
  })
  pauseDispatch(@Args('reason', { nullable: true, description: 'Kept in the event log with the pause.' }) reason?: string) {
    return this.actions.pauseDispatch(reason ?? '', 'graphql');
  }

  @Mutation(() => DispatchStateType, { description: 'Hand the held jobs to executors, from where dispatch stopped. Refused when not paused.' })
  resumeDispatch() {
    return this.actions.resumeDispatch('graphql');
  }

  @Mutation(() => BulkResultType, { description: 'Retry every failed job, each as its own command.' })
  retryAllFailed() {
    return this.actions.retryAllFailed();
  }

  @Mutation(() => BulkResultType, { description: 'Cancel every pending job, each as its own command.' })
  cancelAllPending() {
    return this.actions.cancelAllPending();
  }

  @Mutation(() => RebuildResultType, { description: 'Drop the read models and replay them from the event log (what `npm run rebuild-read-models` does).' })
  rebuildReadModels() {
    return this.actions.rebuildReadModels();
  }
}
