import { Injectable, Logger } from '@nestjs/common';
import { type AttemptEnd, AttemptEndWatcher, JobEventsRepository } from '@mpr/core';
import { ChunkAborts } from './chunk-aborts';

/** Every replica hears every job event: a cancel (or a failure recorded elsewhere) stops all of that job's work here at once. */
@Injectable()
export class ChunkWatcher extends AttemptEndWatcher {
  constructor(
    events: JobEventsRepository,
    private readonly aborts: ChunkAborts,
  ) {
    super(events, new Logger('ChunkWatcher'));
  }

  protected attemptEnded({ jobId, reason }: AttemptEnd): void {
    if (this.aborts.abortJob(jobId, reason)) {
      this.logger.log(`job ${jobId}: ${reason === 'cancelled' ? 'cancelled' : 'failed elsewhere'}, stopping its chunk work here`);
    }
  }
}
