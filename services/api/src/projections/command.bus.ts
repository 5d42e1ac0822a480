import { Injectable } from '@nestjs/common';
import { type AggregateRef, type Decider, type DomainEvent, EventStore, handleCommand, type HandleOptions, type HandleResult } from '@mpr/core';
import { ReadModelProjector } from './read-model.projector';

/**
 * Runs a command against its aggregate and answers once the read models show
 * its effect, so a mutation's response (read from PostgreSQL) reflects the
 * event it just appended.
 */
@Injectable()
export class CommandBus {
  constructor(
    private readonly store: EventStore,
    private readonly projector: ReadModelProjector,
  ) {}

  async execute<C, E extends DomainEvent, S>(
    aggregate: AggregateRef,
    decider: Decider<C, E, S>,
    command: C,
    options?: HandleOptions,
  ): Promise<HandleResult<S, E>> {
    const result = await handleCommand(this.store, aggregate, decider, command, options);
    await this.projector.waitFor(result.version);
    return result;
  }
}
