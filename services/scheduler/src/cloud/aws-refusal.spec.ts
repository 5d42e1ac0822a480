import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsRefusal } from './aws-refusal';
import { CloudExecutorRefusal } from './cloud-executor';
import { googleRefusal } from './cloud-run.executor';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:mpr';
const serviceError = (name: string, status: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} says no`), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? 'server' : 'client', ...extra });

describe('awsRefusal', () => {
  it('throttling and limits are retryable, with the service words', () => {
    for (const name of ['ThrottlingException', 'ExecutionLimitExceeded']) {
      const refusal = awsRefusal('Step Functions', 'StartExecution', ARN, serviceError(name, 400));
      assert.equal(refusal.retryable, true, name);
      assert.equal(refusal.message, `Step Functions refused StartExecution on ${ARN} (HTTP 400 ${name}: ${name} says no)`);
    }
    assert.equal(awsRefusal('S', 'Op', ARN, serviceError('SomethingElse', 400, { $retryable: { throttling: true } })).retryable, true);
  });

  it('server faults and an endpoint that never answered are retryable', () => {
    assert.equal(awsRefusal('Step Functions', 'StartExecution', ARN, serviceError('InternalFailure', 500)).retryable, true);
    const unreachable = awsRefusal(
      'Step Functions',
      'StartExecution',
      ARN,
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    );
    assert.equal(unreachable.retryable, true);
    assert.equal(unreachable.message, `Step Functions could not be reached for StartExecution on ${ARN}: connect ECONNREFUSED 127.0.0.1:1`);
  });

  it('access and configuration errors are final and say what to check', () => {
    const denied = awsRefusal('Step Functions', 'StartExecution', ARN, serviceError('AccessDeniedException', 400));
    assert.equal(denied.retryable, false);
    assert.match(denied.message, /; the scheduler's AWS identity needs states:StartExecution and states:StopExecution on it/);
    assert.match(
      awsRefusal('Step Functions', 'StartExecution', ARN, serviceError('StateMachineDoesNotExist', 400)).message,
      /; check MPR_SFN_STATE_MACHINE_ARN$/,
    );
    assert.equal(awsRefusal('Step Functions', 'StartExecution', ARN, serviceError('ValidationException', 400)).retryable, false);
  });

  it('passes a refusal through unchanged', () => {
    const refusal = new CloudExecutorRefusal('already clear', true);
    assert.equal(awsRefusal('S', 'Op', ARN, refusal), refusal);
  });
});

describe('googleRefusal', () => {
  const JOB = 'projects/p-12345/locations/europe-west1/jobs/mpr';
  const restError = (status: number, name: string, message: string) =>
    Object.assign(new Error(JSON.stringify({ error: { code: status, message, status: name } })), { code: status });

  it('reads the REST answer: status name and message; quota and unavailability are retryable', () => {
    const quota = googleRefusal('RunJob', JOB, restError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded'));
    assert.deepEqual([quota.retryable, quota.message], [true, `Cloud Run refused RunJob on ${JOB} (429 RESOURCE_EXHAUSTED: Quota exceeded)`]);
    assert.equal(googleRefusal('RunJob', JOB, restError(503, 'UNAVAILABLE', 'try later')).retryable, true);
  });

  it('permission, authentication and missing resources are final with a hint', () => {
    const denied = googleRefusal('RunJob', JOB, restError(403, 'PERMISSION_DENIED', 'denied'));
    assert.equal(denied.retryable, false);
    assert.match(denied.message, /roles\/run\.developer/);
    assert.match(googleRefusal('RunJob', JOB, restError(404, 'NOT_FOUND', 'no such job')).message, /check MPR_CLOUD_RUN_JOB$/);
    assert.equal(googleRefusal('RunJob', JOB, restError(400, 'INVALID_ARGUMENT', 'bad')).retryable, false);
  });

  it('a gRPC-shaped error (numeric code, plain message) maps by its code', () => {
    const refusal = googleRefusal('CancelExecution', `${JOB}/executions/e`, Object.assign(new Error('deadline'), { code: 4 }));
    assert.deepEqual([refusal.retryable, refusal.message], [true, `Cloud Run refused CancelExecution on ${JOB}/executions/e (4 DEADLINE_EXCEEDED: deadline)`]);
  });

  it('no code at all: the API was not reached, retryable', () => {
    const refusal = googleRefusal('RunJob', JOB, new Error('getaddrinfo ENOTFOUND run.googleapis.com'));
    assert.deepEqual(
      [refusal.retryable, refusal.message],
      [true, `Cloud Run could not be reached for RunJob on ${JOB}: getaddrinfo ENOTFOUND run.googleapis.com`],
    );
  });
});
