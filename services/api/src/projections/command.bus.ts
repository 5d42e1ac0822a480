import { Inject, Injectable } from '@nestjs/common';
import {
  type AggregateRef,
  APP_CONFIG,
  type AppConfig,
  type Decider,
  type DomainEvent,
  EventStore,
  handleCommand,
  type HandleOptions,
  type HandleResult,
} from '@mpr/core';
import { ReadModelProjector } from './read-model.projector';
import { ReadModelsBehind } from './read-models-behind.error';

/**
 * Runs a command against its aggregate and answers once the read models show
 * its effect, so a mutation's response (read from PostgreSQL) reflects the
 * event it just appended. Read models further behind than
 * MPR_API_READ_WAIT_SECONDS give ReadModelsBehind: the command stands, its
 * answer is to be read again.
 */
@Injectable()
export class CommandBus {
  private readonly waitMs: number;

  constructor(
    private readonly store: EventStore,
    private readonly projector: ReadModelProjector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.waitMs = config.MPR_API_READ_WAIT_SECONDS * 1_000;
  }

  async execute<C, E extends DomainEvent, S>(
    aggregate: AggregateRef,
    decider: Decider<C, E, S>,
    command: C,
    options?: HandleOptions,
  ): Promise<HandleResult<S, E>> {
    const result = await handleCommand(this.store, aggregate, decider, command, options);
    await this.applied(aggregate, result.version);
    return result;
  }

  /**
   * Resolves once the read models include the event at `sequence` (a client
   * that saw it on the gateway's stream reads what it changed); ReadModelsBehind
   * after MPR_API_READ_WAIT_SECONDS.
   */
  async applied(aggregate: AggregateRef, sequence: number): Promise<void> {
    if (!(await this.projector.waitFor(sequence, this.waitMs))) {
      throw new ReadModelsBehind(aggregate, sequence, this.projector.applied, this.waitMs, this.projector.whyNotYet(sequence));
    }
  }
}
