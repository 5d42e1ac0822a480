import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialJobState, type JobState } from '../domain/job.decider';
import { verdictFor } from './work-item.verdict';

const job = (status: JobState['status'], attempt = 1): JobState => ({ ...initialJobState, jobId: 'j-1', status, attempt, workerId: 'w-1-0' });
const first = (attempt = 1) => ({ attempt, deliveryCount: 1 });
const again = (attempt = 1) => ({ attempt, deliveryCount: 2 });

describe('verdictFor', () => {
  it('starts the current attempt of a pending job, first delivery or not', () => {
    assert.deepEqual(verdictFor(job('PENDING', 2), first(2)), { action: 'start' });
    assert.deepEqual(verdictFor(job('PENDING', 2), again(2)), { action: 'start' });
  });

  it('takes a redelivered item of the attempt being processed for one whose worker died', () => {
    assert.deepEqual(verdictFor(job('PROCESSING'), again()), { action: 'mark-lost' });
  });

  it('drops a first delivery of an attempt being processed: a duplicate item, its worker may be alive', () => {
    assert.deepEqual(verdictFor(job('PROCESSING'), first()), { action: 'drop', reason: 'a duplicate item: the attempt runs on w-1-0' });
  });

  it('drops an item of a job that ended', () => {
    for (const status of ['COMPLETED', 'FAILED', 'CANCELLED'] as const) {
      assert.deepEqual(verdictFor(job(status), again()), { action: 'drop', reason: `the job is ${status}` });
    }
  });

  it('drops an item of an attempt the job has moved past, or of no job at all', () => {
    assert.deepEqual(verdictFor(job('PENDING', 2), first()), { action: 'drop', reason: 'the job is on attempt 2' });
    assert.deepEqual(verdictFor(job('PROCESSING', 2), again()), { action: 'drop', reason: 'the job is on attempt 2' });
    assert.deepEqual(verdictFor(initialJobState, first()), { action: 'drop', reason: 'the job does not exist' });
  });
});
