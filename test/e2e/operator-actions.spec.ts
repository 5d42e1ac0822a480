import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { Priority } from '@mpr/contracts/common_pb';
import { enqueueChunkJob, enqueueTranscode } from '@mpr/core';
import { makeKeyframedSource } from '@mpr/core/testing/media-fixtures';
import { PLATFORM_API_TOKEN, PlatformProcess } from '@mpr/core/testing/platform-process';
import { waitFor } from '@mpr/core/testing/wait-for';
import { metricValue } from './scheduler-harness';

interface Job {
  id: string;
  status: string;
  errorMessage: string | null;
}
interface Dispatch {
  paused: boolean;
  reason: string;
  since: string | null;
  pendingJobs: number;
}
interface Bulk {
  affected: number;
  skipped: number;
  skippedJobs: Array<{ jobId: string; reason: string }>;
}

const DISPATCH_FIELDS = 'paused reason since pendingJobs';
const BULK_FIELDS = 'affected skipped skippedJobs { jobId reason }';

/** Operator actions through the platform's own doors: GraphQL on the API, the scheduler's /metrics. */
describe('operator actions: dispatch pause, bulk retry and cancel, rebuild', () => {
  let platform: PlatformProcess;
  let assetId: string;

  before(async () => {
    platform = await PlatformProcess.start();
    await makeKeyframedSource(join(platform.mediaIn, 'clip.mp4'), { seconds: 2, fps: 10, size: '160x120' });
    await platform.query('mutation { scanMediaFolder { found } }');
    const { assets } = await platform.query<{ assets: Array<{ id: string }> }>('query { assets(status: "ready") { id } }');
    assetId = assets[0].id;
  });
  after(() => platform?.stop());

  const createJob = async (extra = ''): Promise<Job> =>
    (
      await platform.query<{ createJob: Job }>(
        `mutation { createJob(input: { sourceAssetId: "${assetId}", presetId: "builtin-h264-720p" ${extra} }) { id status errorMessage } }`,
      )
    ).createJob;
  const job = async (id: string): Promise<Job> => (await platform.query<{ job: Job }>(`query { job(id: "${id}") { id status errorMessage } }`)).job;
  const jobUntil = (id: string, status: string) =>
    waitFor(`job ${id} to be ${status}`, () => job(id), { done: (j) => j.status === status, timeoutMs: 60_000, describe: (j) => JSON.stringify(j) });
  const pause = async (reason = 'maintenance') =>
    (await platform.query<{ pauseDispatch: Dispatch }>(`mutation { pauseDispatch(reason: "${reason}") { ${DISPATCH_FIELDS} } }`)).pauseDispatch;
  const resume = async () => (await platform.query<{ resumeDispatch: Dispatch }>(`mutation { resumeDispatch { ${DISPATCH_FIELDS} } }`)).resumeDispatch;
  const schedulerMetric = async (name: string) => {
    const response = await fetch(`${platform.url('scheduler')}/metrics`, { headers: { authorization: `Bearer ${PLATFORM_API_TOKEN}` } });
    return metricValue(await response.text(), name) ?? 0;
  };

  it('pauseDispatch holds a new job PENDING until resumeDispatch, then it completes', async () => {
    const heldBefore = await schedulerMetric('mpr_scheduler_held_total');
    const paused = await pause('new storage');
    assert.deepEqual({ paused: paused.paused, reason: paused.reason }, { paused: true, reason: 'new storage' });
    assert.ok(paused.since && Date.parse(paused.since) > 0);
    try {
      const again = await platform.graphql('mutation { pauseDispatch { paused } }');
      assert.equal(again.errors?.[0]?.extensions?.code, 'ILLEGAL_TRANSITION');
      assert.equal(again.errors?.[0]?.message, 'cannot pause dispatch jobs in state PAUSED: it is paused already (new storage)');

      const created = await createJob();
      // The scheduler's own word that it saw the job's event and handed it back: from then on only the resume moves it.
      await waitFor('the scheduler to hold the new job', () => schedulerMetric('mpr_scheduler_held_total'), { done: (n) => n > heldBefore });
      assert.equal(await schedulerMetric('mpr_scheduler_holding'), 1);
      assert.equal((await job(created.id)).status, 'pending');
      const { dispatchState } = await platform.query<{ dispatchState: Dispatch }>(`query { dispatchState { ${DISPATCH_FIELDS} } }`);
      assert.equal(dispatchState.paused, true);
      assert.ok(dispatchState.pendingJobs >= 1, 'the held job is counted as pending');

      const resumed = await resume();
      assert.deepEqual({ paused: resumed.paused, reason: resumed.reason }, { paused: false, reason: '' });
      await jobUntil(created.id, 'completed');
    } finally {
      if ((await platform.query<{ dispatchState: Dispatch }>('query { dispatchState { paused } }')).dispatchState.paused) await resume();
    }
    const notPaused = await platform.graphql('mutation { resumeDispatch { paused } }');
    assert.equal(notPaused.errors?.[0]?.message, 'cannot resume dispatch jobs in state RUNNING: it is not paused');
  });

  it('attempts already queued in MPR_WORK when dispatch pauses (transcode and chunked) wait there for the resume, then complete', async () => {
    const metric = async (service: 'transcoder' | 'chunker', name: string) => {
      const response = await fetch(`${platform.url(service)}/metrics`, { headers: { authorization: `Bearer ${PLATFORM_API_TOKEN}` } });
      return metricValue(await response.text(), name) ?? 0;
    };
    const heldBefore = await schedulerMetric('mpr_scheduler_held_total');
    await pause('queued before');
    try {
      const single = await createJob();
      const chunked = await createJob('chunked: true');
      // The scheduler hands back the first job event after the pause and stops its consumer: the second stays in it unread.
      await waitFor('the scheduler to hold the new jobs', () => schedulerMetric('mpr_scheduler_held_total'), { done: (n) => n > heldBefore });
      // The transcoder's slot and both chunk coordinators (MPR_CHUNK_JOBS) read the switch and park: from here they pull nothing.
      await waitFor('the transcoder to hold its slot', () => metric('transcoder', 'mpr_dispatch_holding_work'), { done: (n) => n === 1 });
      await waitFor('the chunker to hold its coordinators', () => metric('chunker', 'mpr_dispatch_holding_work'), { done: (n) => n === 2 });
      // What the scheduler publishes for attempts it dispatched a moment before the pause (the same message ids).
      const js = jetstream(platform.streams.nc);
      const attempt = (id: string) => ({ jobId: id, attempt: 1, priority: Priority.NORMAL, queuedAt: new Date() });
      await enqueueTranscode(js, platform.streams.names, attempt(single.id));
      await enqueueChunkJob(js, platform.streams.names, attempt(chunked.id));
      const { systemStatus } = await platform.query<{ systemStatus: { workQueues: Array<{ workClass: string; depth: number; waiting: number }> } }>(
        'query { systemStatus { workQueues { workClass depth waiting } } }',
      );
      const queued = (workClass: string) => systemStatus.workQueues.find((q) => q.workClass === workClass);
      assert.deepEqual(queued('transcode-normal'), { workClass: 'transcode-normal', depth: 1, waiting: 1 });
      assert.deepEqual(queued('chunk-job'), { workClass: 'chunk-job', depth: 1, waiting: 1 });
      assert.deepEqual([(await job(single.id)).status, (await job(chunked.id)).status], ['pending', 'pending']);

      await resume();
      await jobUntil(single.id, 'completed');
      await jobUntil(chunked.id, 'completed');
      assert.equal(await metric('transcoder', 'mpr_dispatch_holding_work'), 0);
      assert.equal(await metric('chunker', 'mpr_dispatch_holding_work'), 0);
    } finally {
      if ((await platform.query<{ dispatchState: Dispatch }>('query { dispatchState { paused } }')).dispatchState.paused) await resume();
    }
  });

  it('cancelAllPending cancels every pending job; retryAllFailed retries every failed one', async () => {
    await pause('bulk');
    let held: Job[];
    try {
      held = [await createJob(), await createJob()];
      const { cancelAllPending } = await platform.query<{ cancelAllPending: Bulk }>(`mutation { cancelAllPending { ${BULK_FIELDS} } }`);
      assert.deepEqual(cancelAllPending, { affected: 2, skipped: 0, skippedJobs: [] });
      for (const { id } of held) assert.equal((await job(id)).status, 'cancelled');
    } finally {
      await resume();
    }
    // A cloud executor the platform has not configured fails at once, for good: two failed jobs to retry.
    const failing = [await createJob('executor: "lambda"'), await createJob('executor: "lambda"')];
    for (const { id } of failing) await jobUntil(id, 'failed');
    const { retryAllFailed } = await platform.query<{ retryAllFailed: Bulk }>(`mutation { retryAllFailed { ${BULK_FIELDS} } }`);
    assert.equal(retryAllFailed.skipped, 0);
    assert.equal(retryAllFailed.affected, 2);
    for (const { id } of failing) {
      const { events } = (await platform.query<{ job: { events: Array<{ type: string }> } }>(`query { job(id: "${id}") { events { type } } }`)).job;
      assert.ok(
        events.some((e) => e.type === 'JobRetried'),
        `retried: ${events.map((e) => e.type).join(', ')}`,
      );
    }
    // Cancelled jobs are not failed ones: retryAllFailed left them alone.
    for (const { id } of held) assert.equal((await job(id)).status, 'cancelled');
  });

  it('rebuildReadModels replays the log into the same rows', async () => {
    await jobUntil((await createJob()).id, 'completed');
    const read = () => platform.query<{ jobs: Job[] }>('query { jobs { id status errorMessage } }');
    const before = await read();
    const { rebuildReadModels } = await platform.query<{ rebuildReadModels: { events: number; lastSequence: number } }>(
      'mutation { rebuildReadModels { events lastSequence millis } }',
    );
    assert.ok(rebuildReadModels.events > 0 && rebuildReadModels.events === rebuildReadModels.lastSequence, JSON.stringify(rebuildReadModels));
    const rebuilt = await read();
    assert.deepEqual(
      rebuilt.jobs.map((j) => j.id),
      before.jobs.map((j) => j.id),
    );
  });

  /** What `nats req <root>.control.<action> '<body>' -H 'Authorization:Bearer …'` does: one request, one JSON reply. */
  const control = async (action: string, body = '', token: string | null = PLATFORM_API_TOKEN) => {
    const headers = natsHeaders();
    if (token) headers.set('Authorization', `Bearer ${token}`);
    const reply = await platform.streams.nc.request(`${platform.streams.names.subjectRoot}.control.${action}`, body, { timeout: 10_000, headers });
    return reply.json<{ ok: boolean; result?: Record<string, unknown>; error?: { code: string; message: string } }>();
  };

  it('answers the same actions as NATS request/reply on <root>.control.<action>, JSON in and out, with the token', async () => {
    assert.deepEqual(await control('state', '', null), {
      ok: false,
      error: { code: 'UNAUTHENTICATED', message: 'every control request needs an "Authorization: Bearer <token>" header' },
    });
    assert.equal((await control('pause', '', 'x'.repeat(PLATFORM_API_TOKEN.length))).error?.message, 'the bearer token is not valid');
    assert.equal(
      (await platform.query<{ dispatchState: Dispatch }>('query { dispatchState { paused } }')).dispatchState.paused,
      false,
      'refused: nothing paused',
    );

    const paused = await control('pause', JSON.stringify({ reason: 'from nats' }));
    assert.deepEqual([paused.ok, paused.result?.paused, paused.result?.reason], [true, true, 'from nats']);
    try {
      const again = await control('pause');
      assert.deepEqual(again.error, { code: 'ILLEGAL_TRANSITION', message: 'cannot pause dispatch jobs in state PAUSED: it is paused already (from nats)' });
      assert.equal((await platform.query<{ dispatchState: Dispatch }>('query { dispatchState { paused } }')).dispatchState.paused, true, 'GraphQL sees it');
      const cancelled = await control('cancel-all-pending');
      assert.deepEqual([cancelled.ok, cancelled.result?.skipped], [true, 0]);
    } finally {
      assert.deepEqual((await control('resume')).result?.paused, false);
    }
    const rescan = await control('rescan');
    assert.deepEqual([rescan.ok, rescan.result?.found], [true, 1]);
    const rebuilt = await control('rebuild-read-models');
    assert.ok(rebuilt.ok && Number(rebuilt.result?.events) > 0, JSON.stringify(rebuilt));
    assert.deepEqual([(await control('retry-all-failed')).ok], [true]);
  });
});
