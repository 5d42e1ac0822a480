import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Executor } from '@mpr/contracts/common_pb';
import { BUILTIN_PRESETS, CLOUD_JOB_PAYLOAD_ENV, decodeCloudJobPayload, jobCallbackToken } from '@mpr/core';
import { waitFor } from '@mpr/core/testing/wait-for';
import type { RunningService } from '@mpr/core';
import { CloudDispatchService } from '../../services/scheduler/src/cloud/cloud-dispatch.service';
import { CloudExecutors } from '../../services/scheduler/src/cloud/cloud-executors';
import { DispatchClaims } from '../../services/scheduler/src/cloud/dispatch-claims.repository';
import { CALLBACK_SECRET, CLOUD_RUN_JOB, CloudWorld, FAKE_AWS_CREDENTIALS, FAKE_GOOGLE_TOKEN, STATE_MACHINE_ARN } from './cloud-harness';

/**
 * The scheduler's cloud executors against fakes of their control planes (the
 * real @aws-sdk/client-sfn and @google-cloud/run clients, pointed at local
 * HTTP servers that record each request), with the real API, event log and
 * read models around them.
 */
const H264_720P = BUILTIN_PRESETS.find((p) => p.presetId === 'builtin-h264-720p')!;

describe('cloud executors: Step Functions (lambda) and Cloud Run (gcp) through their fakes', () => {
  let world: CloudWorld;
  before(async () => {
    world = await CloudWorld.start({}, { MPR_MAX_ATTEMPTS: '2' });
  });
  after(() => world?.stop());

  it('lambda: StartExecution of the state machine with the job payload, signed with SigV4; JobStarted names the execution', async () => {
    const jobId = await world.createJob({ executor: 'lambda' });
    const { state } = await world.jobUntil(jobId, 'started on lambda', (s) => s.status === 'PROCESSING');
    const [call] = world.sfn.calls('StartExecution').filter((c) => String(c.input.name).startsWith(jobId));
    assert.ok(call, 'StartExecution reached the fake');
    assert.equal(call.input.stateMachineArn, STATE_MACHINE_ARN);
    assert.equal(call.input.name, `${jobId}-a1`);
    assert.equal(call.request.headers['x-amz-target'], 'AWSStepFunctions.StartExecution');
    assert.equal(call.request.headers['content-type'], 'application/x-amz-json-1.0');
    assert.match(
      String(call.request.headers.authorization),
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${FAKE_AWS_CREDENTIALS.accessKeyId}/\\d{8}/eu-west-1/states/aws4_request, SignedHeaders=.*x-amz-target.*, Signature=[0-9a-f]{64}$`,
      ),
    );

    const payload = decodeCloudJobPayload(String(call.input.input));
    assert.equal(payload.jobId, jobId);
    assert.equal(payload.attempt, 1);
    assert.deepEqual(payload.source, { root: 'in', path: 'clip.mp4' });
    assert.equal(payload.outputPath, 'clip_h264_720p.mp4');
    assert.equal(payload.preset.videoCodec, H264_720P.settings.videoCodec);
    assert.equal(payload.preset.height, H264_720P.settings.height);
    assert.ok(payload.probe.duration > 0.5, `the probe travels with the payload (duration ${payload.probe.duration})`);
    assert.deepEqual(payload.callback, { url: `${world.api.url}/api/jobs/${jobId}/callback`, token: jobCallbackToken(CALLBACK_SECRET, jobId) });

    assert.equal(state.workerExecutor, Executor.LAMBDA);
    assert.equal(state.workerId, `arn:aws:states:eu-west-1:123456789012:execution:mpr-transcode:${jobId}-a1`);
  });

  it("lambda: cancel sends StopExecution for the attempt's execution; a callback after that is acknowledged and changes nothing", async () => {
    const jobId = await world.createJob({ executor: 'lambda' });
    const { state } = await world.jobUntil(jobId, 'started on lambda', (s) => s.status === 'PROCESSING');
    const cancelled = await world.api.graphql<{ cancelJob: { status: string } }>(`mutation { cancelJob(id: "${jobId}") { status } }`);
    assert.equal(cancelled.data?.cancelJob.status, 'cancelled');
    const stops = await waitFor(
      'StopExecution of the cancelled attempt',
      async () => world.sfn.calls('StopExecution').filter((c) => c.input.executionArn === state.workerId),
      {
        done: (calls) => calls.length > 0,
        describe: (calls) => `${calls.length}`,
      },
    );
    assert.equal(stops.length, 1);
    assert.equal(stops[0].input.error, 'MPR.Cancelled');

    const before = (await world.job(jobId)).events.map((e) => e.type);
    const late = await world.callback(jobId, { status: 'completed', attempt: 1, outputPath: 'clip_720p.mp4' });
    assert.deepEqual(late, { status: 200, body: { status: 'cancelled', changed: false } });
    assert.deepEqual(
      (await world.job(jobId)).events.map((e) => e.type),
      before,
      'nothing appended',
    );
    assert.deepEqual(before, ['JobCreated', 'JobStarted', 'JobCancelled']);
  });

  it("lambda: AccessDenied fails the job at once, not retryable, with the service's words and what to check", async () => {
    world.sfn.failAlways('StartExecution', { status: 400, type: 'AccessDeniedException', message: 'User is not authorized to perform: states:StartExecution' });
    try {
      const jobId = await world.createJob({ executor: 'lambda' });
      const { state, events } = await world.jobUntil(jobId, 'failed', (s) => s.status === 'FAILED');
      assert.equal(state.retryable, false);
      assert.equal(
        state.errorMessage,
        `Step Functions refused StartExecution on ${STATE_MACHINE_ARN} (HTTP 400 AccessDeniedException: User is not authorized to perform: states:StartExecution); ` +
          "the scheduler's AWS identity needs states:StartExecution and states:StopExecution on it (deploy/aws/scheduler-policy.json)",
      );
      assert.deepEqual(
        events.map((e) => e.type),
        ['JobCreated', 'JobFailed'],
      );
    } finally {
      world.sfn.clear();
    }
  });

  it("lambda: throttling (after the SDK's own 3 tries) fails the attempt as retryable; the retry policy starts attempt 2", async () => {
    world.sfn.failNext('StartExecution', { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' }, 3);
    const jobId = await world.createJob({ executor: 'lambda' });
    const { state, events } = await world.jobUntil(jobId, 'started on attempt 2', (s) => s.status === 'PROCESSING' && s.attempt === 2);
    const failed = events.find((e) => e.event.case === 'jobFailed')!.event;
    assert.equal(failed.case, 'jobFailed');
    assert.equal(failed.value.retryable, true);
    assert.match(failed.value.errorMessage, /^Step Functions refused StartExecution on .* \(HTTP 400 ThrottlingException: Rate exceeded\)$/);
    assert.deepEqual(
      world.sfn
        .calls('StartExecution')
        .filter((c) => String(c.input.name).startsWith(jobId))
        .map((c) => c.input.name),
      [`${jobId}-a1`, `${jobId}-a1`, `${jobId}-a1`, `${jobId}-a2`],
    );
    assert.equal(state.workerId.endsWith(`${jobId}-a2`), true);
  });

  it('gcp (MPR_EXECUTOR): RunJob with per-execution overrides and a bearer token; cancel cancels that execution', async () => {
    const jobId = await world.createJob();
    const { state } = await world.jobUntil(jobId, 'started on gcp', (s) => s.status === 'PROCESSING');
    assert.equal(state.workerExecutor, Executor.GCP);
    const run = world.run
      .calls('RunJob')
      .find((c) => (c.body.overrides as { containerOverrides: Array<{ args: string[] }> }).containerOverrides[0].args.includes(jobId));
    assert.ok(run, 'RunJob reached the fake');
    assert.equal(run.resource, CLOUD_RUN_JOB);
    assert.equal(run.request.headers.authorization, `Bearer ${FAKE_GOOGLE_TOKEN}`);
    const overrides = run.body.overrides as {
      containerOverrides: Array<{ args: string[]; env: Array<{ name: string; value: string }> }>;
      taskCount: number;
      timeout: string;
    };
    assert.deepEqual(overrides.containerOverrides[0].args, ['--job-id', jobId, '--attempt', '1']);
    assert.equal(overrides.taskCount, 1);
    assert.equal(overrides.timeout, '3600s');
    const env = overrides.containerOverrides[0].env;
    assert.deepEqual(
      env.map((e) => e.name),
      [CLOUD_JOB_PAYLOAD_ENV],
    );
    const payload = decodeCloudJobPayload(env[0].value);
    assert.equal(payload.jobId, jobId);
    assert.equal(payload.callback.token, jobCallbackToken(CALLBACK_SECRET, jobId));
    assert.match(state.workerId, new RegExp(`^${CLOUD_RUN_JOB}/executions/mpr-transcode-[0-9a-z]{5}$`));

    await world.api.graphql(`mutation { cancelJob(id: "${jobId}") { status } }`);
    const cancels = await waitFor(
      'CancelExecution of the attempt',
      async () => world.run.calls('CancelExecution').filter((c) => c.resource === state.workerId),
      {
        done: (calls) => calls.length > 0,
        describe: (calls) => `${calls.length}`,
      },
    );
    assert.equal(cancels[0].request.headers.authorization, `Bearer ${FAKE_GOOGLE_TOKEN}`);
  });

  it('gcp: PERMISSION_DENIED fails the job, not retryable, naming the role to grant', async () => {
    world.run.failNext('RunJob', { status: 403, code: 'PERMISSION_DENIED', message: "Permission 'run.jobs.runWithOverrides' denied on resource" });
    const jobId = await world.createJob({ executor: 'gcp' });
    const { state } = await world.jobUntil(jobId, 'failed', (s) => s.status === 'FAILED');
    assert.equal(state.retryable, false);
    assert.equal(
      state.errorMessage,
      `Cloud Run refused RunJob on ${CLOUD_RUN_JOB} (403 PERMISSION_DENIED: Permission 'run.jobs.runWithOverrides' denied on resource); ` +
        "the scheduler's service account needs run.jobs.runWithOverrides, run.executions.list and run.executions.cancel (roles/run.developer) on it",
    );
  });

  it('gcp: RESOURCE_EXHAUSTED fails the attempt as retryable; attempt 2 runs', async () => {
    world.run.failNext('RunJob', { status: 429, code: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded for job executions' });
    const jobId = await world.createJob({ executor: 'gcp' });
    const { events } = await world.jobUntil(jobId, 'started on attempt 2', (s) => s.status === 'PROCESSING' && s.attempt === 2);
    const failed = events.find((e) => e.event.case === 'jobFailed')!.event;
    assert.ok(failed.case === 'jobFailed' && failed.value.retryable && /429 RESOURCE_EXHAUSTED: Quota exceeded/.test(failed.value.errorMessage));
  });

  it('a re-dispatch of an attempt that already runs starts no second run: Step Functions by its name (with the same or another input), Cloud Run by the claim it was started under', async () => {
    const dispatcher = world.scheduler.app.get(CloudDispatchService, { strict: false });
    for (const executor of ['lambda', 'gcp'] as const) {
      const jobId = await world.createJob({ executor });
      const { state } = await world.jobUntil(jobId, `started on ${executor}`, (s) => s.status === 'PROCESSING');
      // The job as a scheduler read it before it died between starting the execution and appending JobStarted.
      const pending = { ...state, status: 'PENDING' as const, workerId: '' };
      const listsBefore = world.run.calls('ListExecutions').length;
      assert.equal(await dispatcher.dispatch(pending, executor), true);
      // Read again after the crash, the payload may differ (here its trim): still the attempt's one run.
      assert.equal(await dispatcher.dispatch({ ...pending, trimEnd: 0.5 }, executor), true);
      const after = await world.job(jobId);
      assert.equal(after.state.status, 'PROCESSING');
      assert.equal(after.state.workerId, state.workerId, 'the same execution');
      assert.equal(after.events.filter((e) => e.type === 'JobStarted').length, 1);
      if (executor === 'lambda') {
        const starts = world.sfn.calls('StartExecution').filter((c) => c.input.name === `${jobId}-a1`);
        assert.equal(starts.length, 3, 'asked three times, by one name');
      } else {
        assert.equal(world.run.calls('RunJob').filter((c) => JSON.stringify(c.body).includes(jobId)).length, 1, 'one RunJob');
        // The execution is recorded under the attempt's claim: a re-dispatch takes it from there, asking Cloud Run nothing.
        assert.equal(world.run.calls('ListExecutions').length, listsBefore, 'no lookup after the first dispatch');
      }
      await world.api.graphql(`mutation { cancelJob(id: "${jobId}") { status } }`);
    }
  });
});

/** Pauses dispatch around `work`: a job created meanwhile stays PENDING on attempt 1 for the test to dispatch by hand. */
async function withDispatchPaused(world: CloudWorld, work: () => Promise<void>): Promise<void> {
  await world.api.graphql('mutation { pauseDispatch(reason: "dispatched by the test") { paused } }');
  try {
    await work();
  } finally {
    await world.api.graphql('mutation { resumeDispatch { paused } }');
  }
}

const runsOf = (world: CloudWorld, jobId: string) => world.run.calls('RunJob').filter((c) => JSON.stringify(c.body).includes(jobId));

describe('cloud executors: two scheduler replicas dispatching one Cloud Run attempt', () => {
  let world: CloudWorld;
  let replica: RunningService;
  before(async () => {
    world = await CloudWorld.start();
    replica = await world.startSchedulerReplica();
  });
  after(async () => {
    await replica?.app.close();
    await world?.stop();
  });

  it('start one execution: the replica holding the attempt’s claim runs it; the other, handed the event back, takes that execution', async () => {
    await withDispatchPaused(world, async () => {
      const jobId = await world.createJob({ executor: 'gcp' });
      const { state } = await world.job(jobId);
      assert.deepEqual([state.status, state.attempt], ['PENDING', 1]);
      // Both replicas' lookups answered empty, and slowly: without a claim each would then RunJob.
      world.run.delayNext('ListExecutions', 1_000, 2);
      const [mine, theirs] = [world.scheduler, replica].map((s) => s.app.get(CloudDispatchService, { strict: false }));
      const results = await Promise.allSettled([mine.dispatch(state, 'gcp'), theirs.dispatch(state, 'gcp')]);
      world.run.clear();
      assert.equal(runsOf(world, jobId).length, 1, 'one RunJob for the attempt');
      assert.ok(
        results.some((r) => r.status === 'fulfilled' && r.value === true),
        `one replica started it: ${results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason.message)).join('; ')}`,
      );
      for (const result of results) {
        if (result.status === 'rejected') assert.match(String(result.reason.message), /^job \S+ attempt 1 is being started on gcp by scheduler \S+ \(since /);
      }
      // The event handed back to the other replica, handled again: the recorded execution, no second run.
      const started = await world.job(jobId);
      assert.equal(started.state.status, 'PROCESSING');
      for (const dispatcher of [mine, theirs]) assert.equal(await dispatcher.dispatch(state, 'gcp'), true);
      const after = await world.job(jobId);
      assert.equal(after.state.workerId, started.state.workerId);
      assert.equal(after.events.filter((e) => e.type === 'JobStarted').length, 1);
      assert.equal(runsOf(world, jobId).length, 1);
      await world.api.graphql(`mutation { cancelJob(id: "${jobId}") { status } }`);
    });
  });
});

describe('cloud executors: a Cloud Run attempt claimed by a scheduler that died', () => {
  let world: CloudWorld;
  before(async () => {
    world = await CloudWorld.start({ cloudDispatchLeaseMs: 1_500 });
  });
  after(() => world?.stop());

  it('is taken over once the lease is past, and the run the dead replica had started is found by its arguments, not started again', async () => {
    await withDispatchPaused(world, async () => {
      const jobId = await world.createJob({ executor: 'gcp' });
      const { state } = await world.job(jobId);
      const dispatcher = world.scheduler.app.get(CloudDispatchService, { strict: false });
      // What a replica killed between RunJob and recording its execution leaves: the claim, and a run.
      assert.equal((await world.scheduler.app.get(DispatchClaims, { strict: false }).claim(jobId, 1)).kind, 'ours');
      const orphan = await world.scheduler.app
        .get(CloudExecutors, { strict: false })
        .get('gcp')
        .start(await dispatcher.payloadFor(state));
      await assert.rejects(dispatcher.dispatch(state, 'gcp'), /is being started on gcp by scheduler/);
      const taken = await waitFor('the claim to be taken over after its lease', () => dispatcher.dispatch(state, 'gcp').catch((err: Error) => err.message), {
        done: (result) => result === true,
        timeoutMs: 10_000,
        intervalMs: 250,
        describe: String,
      });
      assert.equal(taken, true);
      const { state: after, events } = await world.job(jobId);
      assert.equal(after.workerId, orphan.executionId);
      assert.equal(events.filter((e) => e.type === 'JobStarted').length, 1);
      assert.equal(runsOf(world, jobId).length, 1, 'the orphan run only');
      await world.api.graphql(`mutation { cancelJob(id: "${jobId}") { status } }`);
    });
  });
});

describe('cloud executors: the deadline', () => {
  let world: CloudWorld;
  before(async () => {
    world = await CloudWorld.start({ cloudDeadlineMs: 1_500 }, { MPR_MAX_ATTEMPTS: '2' });
  });
  after(() => world?.stop());

  it('an execution that never calls back is failed as retryable, stopped, and retried as a new execution', async () => {
    const jobId = await world.createJob({ executor: 'lambda' });
    const first = await world.jobUntil(jobId, 'started', (s) => s.status === 'PROCESSING');
    const { events } = await world.jobUntil(jobId, 'on attempt 2', (s) => s.status === 'PROCESSING' && s.attempt === 2);
    const failed = events.find((e) => e.event.case === 'jobFailed')!.event;
    assert.ok(failed.case === 'jobFailed');
    assert.equal(failed.value.retryable, true);
    assert.equal(failed.value.errorMessage, `no outcome from lambda execution ${first.state.workerId} within 2 s of its start`);
    const stopped = await waitFor('StopExecution of attempt 1', async () => world.sfn.calls('StopExecution').map((c) => c.input.executionArn), {
      done: (arns) => arns.includes(first.state.workerId),
      describe: (arns) => arns.join(', '),
    });
    assert.ok(stopped.includes(first.state.workerId));
    assert.deepEqual(
      events.map((e) => e.type),
      ['JobCreated', 'JobStarted', 'JobFailed', 'JobRetried', 'JobStarted'],
    );
  });
});
