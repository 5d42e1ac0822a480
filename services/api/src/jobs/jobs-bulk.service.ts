import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { DomainError, type JobCommand, jobDecider, mapLimit } from '@mpr/core';
import { CommandBus } from '../projections/command.bus';
import { JobRow } from '../read-models/job.entity';

export interface SkippedJob {
  jobId: string;
  /** The domain's refusal, e.g. `cannot retry job j-1 in state PENDING` when someone retried it first. */
  reason: string;
}

export interface BulkResult {
  affected: number;
  skipped: number;
  skippedJobs: SkippedJob[];
}

/** Commands in flight at once: enough to finish a few hundred jobs in seconds, few enough to leave the log to others. */
const CONCURRENCY = 8;

/**
 * One operator action over many jobs. Each job goes through the command bus
 * on its own (its decider, its expected version), so a job that changed
 * state since the list was read is skipped with the decider's reason, not a
 * failure of the whole action.
 */
@Injectable()
export class JobsBulkService {
  constructor(
    @InjectRepository(JobRow) private readonly jobs: Repository<JobRow>,
    private readonly bus: CommandBus,
  ) {}

  retryAllFailed(): Promise<BulkResult> {
    return this.forEach('failed', (jobId) => ({ type: 'RetryJob', jobId, automatic: false }));
  }

  cancelAllPending(): Promise<BulkResult> {
    return this.forEach('pending', (jobId) => ({ type: 'CancelJob', jobId, reason: 'cancelled with all pending jobs' }));
  }

  private async forEach(status: JobRow['status'], command: (jobId: string) => JobCommand): Promise<BulkResult> {
    const rows = await this.jobs.find({ select: { id: true }, where: { status }, order: { createdAt: 'ASC', id: 'ASC' } });
    const outcomes = await mapLimit(rows, CONCURRENCY, async ({ id }): Promise<SkippedJob | null> => {
      try {
        await this.bus.execute({ type: 'job', id }, jobDecider, command(id));
        return null;
      } catch (err) {
        // Illegal now (another operator, the scheduler or a worker got there first): this job only.
        if (err instanceof DomainError) return { jobId: id, reason: err.message };
        throw err;
      }
    });
    const skippedJobs = outcomes.filter((o): o is SkippedJob => o !== null);
    return { affected: rows.length - skippedJobs.length, skipped: skippedJobs.length, skippedJobs };
  }
}
