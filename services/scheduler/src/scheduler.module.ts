import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, CoreModule, DispatchSwitchRepository, NATS_CONNECTION, StreamNames } from '@mpr/core';
import type { NatsConnection } from '@nats-io/nats-core';
import { DispatchGate } from './dispatch.gate';
import { DispatchService } from './dispatch.service';
import { JobEventsConsumer } from './job-events.consumer';
import { JobEventsRepository } from './job-events.repository';
import { JobTracker } from './job.tracker';
import { RetryService } from './retry.service';
import { SchedulerMetrics } from './scheduler.metrics';
import { SCHEDULER_OPTIONS, type SchedulerOptions, schedulerOptions } from './scheduler.options';
import { TelemetryRepository } from './telemetry.repository';
import { WatchdogService } from './watchdog.service';
import { WorkRepository } from './work.repository';

@Module({})
export class SchedulerModule {
  /** `overrides` tunes the policy beyond what the environment sets (tests use a short retry backoff). */
  static forRoot(config: AppConfig, overrides: Partial<SchedulerOptions> = {}): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [CoreModule.forRoot('scheduler', config)],
      providers: [
        { provide: SCHEDULER_OPTIONS, useValue: schedulerOptions(config, overrides) },
        { provide: JobTracker, useFactory: () => new JobTracker() },
        JobEventsRepository,
        WorkRepository,
        TelemetryRepository,
        SchedulerMetrics,
        {
          provide: DispatchSwitchRepository,
          useFactory: (nc: NatsConnection, names: StreamNames) => new DispatchSwitchRepository(nc, names),
          inject: [NATS_CONNECTION, StreamNames],
        },
        DispatchGate,
        DispatchService,
        RetryService,
        JobEventsConsumer,
        WatchdogService,
      ],
    };
  }
}
