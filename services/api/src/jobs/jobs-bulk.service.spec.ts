import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Repository } from 'typeorm';
import { IllegalTransition, type JobCommand } from '@mpr/core';
import type { CommandBus } from '../projections/command.bus';
import type { JobRow } from '../read-models/job.entity';
import { JobsBulkService } from './jobs-bulk.service';

/** A read model listing `ids`, and a bus that refuses the commands for `refused` as the job decider would. */
function bulkService(ids: string[], refused: Set<string>, failure?: Error) {
  const commands: JobCommand[] = [];
  const jobs = { find: async () => ids.map((id) => ({ id })) } as unknown as Repository<JobRow>;
  const bus = {
    execute: async (_aggregate: unknown, _decider: unknown, command: JobCommand) => {
      commands.push(command);
      if (failure) throw failure;
      if (refused.has(command.jobId)) throw new IllegalTransition('job', command.jobId, 'PENDING', 'retry');
      return { state: {}, version: 1, events: [], conflicts: 0, replayed: false };
    },
  } as unknown as CommandBus;
  return { service: new JobsBulkService(jobs, bus), commands };
}

describe('JobsBulkService', () => {
  it('retries every listed job, each as its own command, and skips the one the decider refuses', async () => {
    const { service, commands } = bulkService(['j-1', 'j-2', 'j-3'], new Set(['j-2']));
    const result = await service.retryAllFailed();
    assert.deepEqual(result, { affected: 2, skipped: 1, skippedJobs: [{ jobId: 'j-2', reason: 'cannot retry job j-2 in state PENDING' }] });
    assert.deepEqual(commands.map((c) => c.jobId).sort(), ['j-1', 'j-2', 'j-3']);
    assert.ok(commands.every((c) => c.type === 'RetryJob' && !c.automatic));
  });

  it('cancels every pending job with a reason', async () => {
    const { service, commands } = bulkService(['j-1'], new Set());
    assert.deepEqual(await service.cancelAllPending(), { affected: 1, skipped: 0, skippedJobs: [] });
    assert.deepEqual(commands, [{ type: 'CancelJob', jobId: 'j-1', reason: 'cancelled with all pending jobs' }]);
  });

  it('with nothing listed does nothing', async () => {
    const { service, commands } = bulkService([], new Set());
    assert.deepEqual(await service.retryAllFailed(), { affected: 0, skipped: 0, skippedJobs: [] });
    assert.equal(commands.length, 0);
  });

  it('a failure that is not the domain refusing (NATS away) fails the action', async () => {
    const { service } = bulkService(['j-1'], new Set(), new Error('connection closed'));
    await assert.rejects(service.retryAllFailed(), /connection closed/);
  });
});
