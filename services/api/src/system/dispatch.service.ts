import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Repository } from 'typeorm';
import { DISPATCH_AGGREGATE, dispatchDecider, type DispatchOrigin, DispatchSwitchRepository, NATS_CONNECTION, StreamNames } from '@mpr/core';
import { CommandBus } from '../projections/command.bus';
import { JobRow } from '../read-models/job.entity';

export interface DispatchView {
  paused: boolean;
  /** The reason given with the pause; '' while dispatching. */
  reason: string;
  /** When it was last paused or resumed; null: never switched. */
  since: Date | null;
  /** Jobs waiting for a worker (or, while paused, for the resume). */
  pendingJobs: number;
}

/** The dispatch switch: pause and resume are commands on its aggregate; its state is read from the log. */
@Injectable()
export class DispatchService {
  private readonly switches: DispatchSwitchRepository;

  constructor(
    private readonly bus: CommandBus,
    @InjectRepository(JobRow) private readonly jobs: Repository<JobRow>,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    names: StreamNames,
  ) {
    this.switches = new DispatchSwitchRepository(nc, names);
  }

  async pause(reason: string, origin: DispatchOrigin): Promise<DispatchView> {
    await this.bus.execute(DISPATCH_AGGREGATE, dispatchDecider, { type: 'PauseDispatch', reason, origin });
    return this.view();
  }

  async resume(origin: DispatchOrigin): Promise<DispatchView> {
    await this.bus.execute(DISPATCH_AGGREGATE, dispatchDecider, { type: 'ResumeDispatch', origin });
    return this.view();
  }

  async view(): Promise<DispatchView> {
    const [current, pendingJobs] = await Promise.all([this.switches.read(), this.jobs.countBy({ status: 'pending' })]);
    return { paused: current.state.status === 'PAUSED', reason: current.state.reason, since: current.since, pendingJobs };
  }
}
