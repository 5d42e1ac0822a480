import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { JobCompletedSchema, JobCreatedSchema, JobFailedSchema, JobProgressedSchema, JobRetriedSchema, JobStartedSchema } from '@mpr/contracts/job_pb';
import type { JobEvent, StoredEvent } from '@mpr/core';
import { JobTracker } from './job.tracker';

let sequence = 0;
const at = (second: number) => new Date(Date.UTC(2026, 10, 25, 10, 0, second));

function stored(jobId: string, event: JobEvent, second: number): StoredEvent<JobEvent> {
  sequence++;
  return { sequence, id: `e${sequence}`, type: event.case, aggregate: { type: 'job', id: jobId }, occurredAt: at(second), commandId: `c${sequence}`, event };
}

const created = (jobId: string): JobEvent => ({
  case: 'jobCreated',
  value: create(JobCreatedSchema, { jobId, sourceAssetId: 'a', presetId: 'p', outputFilename: 'o.mp4', priority: Priority.NORMAL }),
});
const started = (jobId: string, attempt: number, workerId: string, executor = Executor.LOCAL): JobEvent => ({
  case: 'jobStarted',
  value: create(JobStartedSchema, { jobId, attempt, workerId, executor }),
});

describe('JobTracker', () => {
  it('follows a job through its states with the decider', () => {
    const tracker = new JobTracker();
    tracker.apply(stored('j1', created('j1'), 0));
    assert.equal(tracker.get('j1')?.status, 'PENDING');
    tracker.apply(stored('j1', started('j1', 1, 'w1'), 1));
    assert.deepEqual(tracker.get('j1'), {
      status: 'PROCESSING',
      attempt: 1,
      workerId: 'w1',
      workerExecutor: Executor.LOCAL,
      startedAt: at(1),
      lastSeenAt: at(1),
    });
    tracker.apply(stored('j1', { case: 'jobFailed', value: create(JobFailedSchema, { jobId: 'j1', attempt: 1, retryable: true }) }, 2));
    tracker.apply(stored('j1', { case: 'jobRetried', value: create(JobRetriedSchema, { jobId: 'j1', attempt: 2, automatic: true }) }, 3));
    assert.equal(tracker.get('j1')?.status, 'PENDING');
    assert.equal(tracker.get('j1')?.attempt, 2);
    tracker.apply(stored('j1', started('j1', 2, 'w2'), 4));
    tracker.apply(stored('j1', { case: 'jobProgressed', value: create(JobProgressedSchema, { jobId: 'j1', attempt: 2, percent: 10 }) }, 6));
    assert.deepEqual(tracker.get('j1'), {
      status: 'PROCESSING',
      attempt: 2,
      workerId: 'w2',
      workerExecutor: Executor.LOCAL,
      startedAt: at(4),
      lastSeenAt: at(6),
    });
  });

  it('lists processing jobs silent since a time, and progress of the current attempt only keeps one alive', () => {
    const tracker = new JobTracker();
    for (const id of ['j1', 'j2', 'j3']) tracker.apply(stored(id, created(id), 0));
    tracker.apply(stored('j1', started('j1', 1, 'w1'), 1));
    tracker.apply(stored('j2', started('j2', 1, 'w2'), 1));
    assert.deepEqual(
      tracker.silentSince(at(5)).map((j) => j.jobId),
      ['j1', 'j2'],
    );
    tracker.noteProgress('j1', 1, at(5));
    tracker.noteProgress('j2', 7, at(5));
    assert.deepEqual(
      tracker.silentSince(at(5)).map((j) => j.jobId),
      ['j2'],
    );
    tracker.apply(stored('j2', { case: 'jobCompleted', value: create(JobCompletedSchema, { jobId: 'j2', attempt: 1, outputPath: 'o.mp4' }) }, 6));
    assert.deepEqual(
      tracker.silentSince(at(60)).map((j) => j.jobId),
      ['j1'],
    );
  });

  it('judges cloud attempts by their start (the deadline), never by heartbeats, and local ones the other way round', () => {
    const tracker = new JobTracker();
    for (const id of ['local', 'lambda', 'gcp']) tracker.apply(stored(id, created(id), 0));
    tracker.apply(stored('local', started('local', 1, 'w1'), 1));
    tracker.apply(stored('lambda', started('lambda', 1, 'arn:…:execution:m:lambda-a1', Executor.LAMBDA), 1));
    tracker.apply(stored('gcp', started('gcp', 1, 'projects/p/…/executions/e', Executor.GCP), 3));
    assert.deepEqual(
      tracker.silentSince(at(10)).map((j) => j.jobId),
      ['local'],
    );
    assert.deepEqual(
      tracker.cloudStartedBefore(at(2)).map((j) => j.jobId),
      ['lambda'],
    );
    tracker.apply(stored('lambda', { case: 'jobProgressed', value: create(JobProgressedSchema, { jobId: 'lambda', attempt: 1, percent: 50 }) }, 9));
    assert.deepEqual(
      tracker.cloudStartedBefore(at(10)).map((j) => j.jobId),
      ['lambda', 'gcp'],
      'progress does not move a deadline counted from the start',
    );
  });

  it('counts jobs per status', () => {
    const tracker = new JobTracker();
    for (const id of ['j1', 'j2', 'j3']) tracker.apply(stored(id, created(id), 0));
    tracker.apply(stored('j3', started('j3', 1, 'w'), 1));
    assert.deepEqual(tracker.countByStatus(), { PENDING: 2, PROCESSING: 1, COMPLETED: 0, FAILED: 0, CANCELLED: 0 });
  });
});
