import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, CallbackSecret, CoreModule, dispatchSwitchProviders } from '@mpr/core';
import { CloudDispatchService } from './cloud/cloud-dispatch.service';
import { DispatchClaims } from './cloud/dispatch-claims.repository';
import { CloudStopsConsumer } from './cloud/cloud-stops.consumer';
import { CLOUD_CLIENT_OVERRIDES, type CloudClientOverrides, CloudExecutors } from './cloud/cloud-executors';
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
  /** `overrides` tunes the policy beyond what the environment sets (tests use a short retry backoff); `cloudClients` points the cloud SDKs elsewhere (tests: their fakes). */
  static forRoot(config: AppConfig, overrides: Partial<SchedulerOptions> = {}, cloudClients: CloudClientOverrides = {}): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [CoreModule.forRoot('scheduler', config)],
      providers: [
        { provide: SCHEDULER_OPTIONS, useValue: schedulerOptions(config, overrides) },
        { provide: CLOUD_CLIENT_OVERRIDES, useValue: cloudClients },
        CallbackSecret,
        CloudExecutors,
        CloudDispatchService,
        DispatchClaims,
        CloudStopsConsumer,
        { provide: JobTracker, useFactory: () => new JobTracker() },
        JobEventsRepository,
        WorkRepository,
        TelemetryRepository,
        SchedulerMetrics,
        ...dispatchSwitchProviders(),
        DispatchService,
        RetryService,
        JobEventsConsumer,
        WatchdogService,
      ],
    };
  }
}
