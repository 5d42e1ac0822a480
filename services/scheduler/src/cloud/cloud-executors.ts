import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { SFNClientConfig } from '@aws-sdk/client-sfn';
import { Executor } from '@mpr/contracts/common_pb';
import { APP_CONFIG, type AppConfig } from '@mpr/core';
import { SCHEDULER_OPTIONS, type SchedulerOptions } from '../scheduler.options';
import { type CloudExecutor, type CloudExecutorName, CloudExecutorRefusal } from './cloud-executor';
import { type CloudRunClientOptions, CloudRunExecutor } from './cloud-run.executor';
import { StepFunctionsExecutor } from './step-functions.executor';

/**
 * Client settings beyond what the environment gives (the SDKs' own
 * credential chains and endpoint variables): tests point the real clients at
 * their fake control planes with these.
 */
export interface CloudClientOverrides {
  readonly stepFunctions?: SFNClientConfig;
  readonly cloudRun?: CloudRunClientOptions;
}
export const CLOUD_CLIENT_OVERRIDES = Symbol('CLOUD_CLIENT_OVERRIDES');

/** The cloud executors this deployment has configured, made on first use (a deployment without AWS never loads a client). */
@Injectable()
export class CloudExecutors implements OnModuleDestroy {
  private readonly made = new Map<CloudExecutorName, StepFunctionsExecutor | CloudRunExecutor>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    @Inject(CLOUD_CLIENT_OVERRIDES) private readonly overrides: CloudClientOverrides,
  ) {}

  /** Throws a final CloudExecutorRefusal naming the variable to set when the executor is not configured. */
  get(name: CloudExecutorName): CloudExecutor {
    let executor = this.made.get(name);
    if (!executor) {
      executor = this.make(name);
      this.made.set(name, executor);
    }
    return executor;
  }

  /** The executor that ran an attempt, by what its JobStarted recorded; undefined for a local one. */
  ranBy(executor: Executor): CloudExecutor | undefined {
    if (executor === Executor.LAMBDA) return this.get('lambda');
    if (executor === Executor.GCP) return this.get('gcp');
    return undefined;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.made.values()].map((executor) => executor.destroy()));
  }

  private make(name: CloudExecutorName): StepFunctionsExecutor | CloudRunExecutor {
    switch (name) {
      case 'lambda': {
        const arn = this.config.MPR_SFN_STATE_MACHINE_ARN;
        if (!arn) throw new CloudExecutorRefusal('executor "lambda" is not configured: set MPR_SFN_STATE_MACHINE_ARN (see docs/executors.md)', false);
        return new StepFunctionsExecutor(arn, this.overrides.stepFunctions);
      }
      case 'gcp': {
        const job = this.config.MPR_CLOUD_RUN_JOB;
        if (!job) throw new CloudExecutorRefusal('executor "gcp" is not configured: set MPR_CLOUD_RUN_JOB (see docs/executors.md)', false);
        return new CloudRunExecutor(job, Math.ceil(this.options.cloudDeadlineMs / 1_000), this.overrides.cloudRun);
      }
    }
  }
}
