import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { JobEventsRepository } from '@mpr/core';
import { ChunkAborts } from './chunk-aborts';

/** Every replica hears every job event: a cancel (or a failure recorded elsewhere) stops all of that job's work here at once. */
@Injectable()
export class ChunkWatcher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ChunkWatcher');
  private subscription: { stop(): void } | undefined;

  constructor(
    private readonly events: JobEventsRepository,
    private readonly aborts: ChunkAborts,
  ) {}

  onModuleInit(): void {
    this.subscription = this.events.onJobEvents(
      ['JobCancelled', 'JobFailed'],
      (event) => {
        if (event.case !== 'jobCancelled' && event.case !== 'jobFailed') return;
        if (this.aborts.abortJob(event.value.jobId, event.case === 'jobCancelled' ? 'cancelled' : 'superseded')) {
          this.logger.log(`job ${event.value.jobId}: ${event.case}, stopping its chunk work here`);
        }
      },
      (err) => this.logger.warn(`job event not understood: ${err.message}`),
    );
  }

  onModuleDestroy(): void {
    this.subscription?.stop();
  }
}
