import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import * as job from '@mpr/contracts/job_pb';
import { isJobEvent, jobColumnChange } from './job.columns';

const AT = '2026-12-02T10:00:00.000Z';

describe('jobColumnChange: what each job event does to its read-model row', () => {
  it('JobCreated makes the whole row: pending, attempt 1, queued at its own sequence, nothing run yet', () => {
    const event = {
      case: 'jobCreated' as const,
      value: create(job.JobCreatedSchema, {
        jobId: 'j-1',
        sourceAssetId: 'a-1',
        presetId: 'p-1',
        outputFilename: 'out.mp4',
        executor: Executor.LAMBDA,
        priority: Priority.HIGH,
        chunked: true,
        trimStart: 1.5,
      }),
    };
    assert.deepEqual(jobColumnChange('j-1', event, 7, AT), {
      kind: 'create',
      row: {
        id: 'j-1',
        sourceAssetId: 'a-1',
        presetId: 'p-1',
        status: 'pending',
        priority: 'high',
        trimStart: 1.5,
        trimEnd: null,
        outputFilename: 'out.mp4',
        outputPath: null,
        outputAssetId: null,
        attempt: 1,
        executor: 'lambda',
        chunked: true,
        chunkDuration: null,
        progress: 0,
        speed: null,
        eta: null,
        errorMessage: null,
        workerId: null,
        createdAt: AT,
        startedAt: null,
        completedAt: null,
        queuedSequence: 7,
        version: 7,
      },
    });
  });

  it('JobStarted, JobCompleted, JobFailed set the run columns; a milestone only raises progress', () => {
    const started = {
      case: 'jobStarted' as const,
      value: create(job.JobStartedSchema, { jobId: 'j-1', attempt: 2, workerId: 'w-1', executor: Executor.LOCAL }),
    };
    assert.deepEqual(jobColumnChange('j-1', started, 9, AT), {
      kind: 'update',
      set: { status: 'processing', attempt: 2, workerId: 'w-1', executor: 'local', startedAt: AT, progress: 0, version: 9 },
    });
    const progressed = { case: 'jobProgressed' as const, value: create(job.JobProgressedSchema, { jobId: 'j-1', attempt: 2, percent: 40 }) };
    assert.deepEqual(jobColumnChange('j-1', progressed, 10, AT), { kind: 'update', set: { version: 10 }, progressAtLeast: 40 });
    const completed = { case: 'jobCompleted' as const, value: create(job.JobCompletedSchema, { jobId: 'j-1', outputPath: 'out.mp4', outputAssetId: '' }) };
    assert.deepEqual(jobColumnChange('j-1', completed, 11, AT), {
      kind: 'update',
      set: { status: 'completed', progress: 100, eta: 0, outputPath: 'out.mp4', outputAssetId: null, completedAt: AT, version: 11 },
    });
    const failed = { case: 'jobFailed' as const, value: create(job.JobFailedSchema, { jobId: 'j-1', errorMessage: 'broken' }) };
    assert.deepEqual(jobColumnChange('j-1', failed, 12, AT), {
      kind: 'update',
      set: { status: 'failed', errorMessage: 'broken', completedAt: AT, eta: null, version: 12 },
    });
  });

  it('JobRetried queues a new attempt with nothing run; JobPriorityChanged moves only the class', () => {
    const retried = { case: 'jobRetried' as const, value: create(job.JobRetriedSchema, { jobId: 'j-1', attempt: 3 }) };
    assert.deepEqual(jobColumnChange('j-1', retried, 13, AT), {
      kind: 'update',
      set: {
        status: 'pending',
        attempt: 3,
        queuedSequence: 13,
        progress: 0,
        speed: null,
        eta: null,
        errorMessage: null,
        workerId: null,
        startedAt: null,
        completedAt: null,
        version: 13,
      },
    });
    const changed = { case: 'jobPriorityChanged' as const, value: create(job.JobPriorityChangedSchema, { jobId: 'j-1', priority: Priority.LOW }) };
    assert.deepEqual(jobColumnChange('j-1', changed, 14, AT), { kind: 'update', set: { priority: 'low', version: 14 } });
  });

  it('tells job events from the others', () => {
    assert.equal(isJobEvent({ case: 'jobCancelled' }), true);
    assert.equal(isJobEvent({ case: 'assetRegistered' }), false);
    assert.equal(isJobEvent({ case: 'toString' }), false);
    assert.equal(isJobEvent({ case: undefined }), false);
  });
});
