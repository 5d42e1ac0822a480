import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import {
  BUILTIN_PRESETS,
  chunkConsumerName,
  decodeChunkJobItem,
  decodeWorkItem,
  ensureChunkConsumers,
  ensureTranscodeConsumers,
  handleCommand,
  presetDecider,
  type RunningService,
} from '@mpr/core';
import { waitFor } from '@mpr/core/testing/wait-for';
import { metricValue, SchedulerHarness } from './scheduler-harness';

const NOT_CONFIGURED = (executor: string, variable: string) => `executor "${executor}" is not configured: set ${variable} (see docs/executors.md)`;

describe('scheduler: dispatching jobs', () => {
  let h: SchedulerHarness;

  before(async () => {
    h = await SchedulerHarness.create();
  });
  after(() => h.cleanup());

  it('queues a new job for local transcoders on its priority subject, as attempt 1', async () => {
    const created = await h.createJob('job-high', { priority: Priority.HIGH });
    await h.createJob('job-low', { priority: Priority.LOW });
    const [high] = await h.workUntil('job-high', 1);
    assert.equal(high.subject, h.streams.names.workSubject('transcode.high'));
    assert.equal(high.item.attempt, 1);
    assert.equal(high.item.priority, Priority.HIGH);
    const { events } = await h.job('job-high');
    assert.deepEqual(timestampDate(high.item.queuedAt!), events[0].occurredAt);
    assert.equal(created.version, events[0].sequence);
    const [low] = await h.workUntil('job-low', 1);
    assert.equal(low.subject, h.streams.names.workSubject('transcode.low'));

    // What a transcoder receives through its durable consumer.
    await ensureTranscodeConsumers(h.jsm, h.streams.names, 30_000);
    const consumer = await h.js.consumers.get(h.streams.names.work, 'transcode-high');
    const msg = await consumer.next({ expires: 2_000 });
    assert.ok(msg, 'an item for the high-priority consumer');
    assert.equal(decodeWorkItem(msg).jobId, 'job-high');
    msg.ack();
  });

  it('fails a job asking for a cloud executor this deployment has not configured, with a clear message', async () => {
    await h.createJob('job-lambda', { executor: Executor.LAMBDA });
    const { state } = await h.jobUntil('job-lambda', (s) => s.status === 'FAILED');
    assert.equal(state.errorMessage, NOT_CONFIGURED('lambda', 'MPR_SFN_STATE_MACHINE_ARN'));
    assert.equal(state.retryable, false);
    await h.drained();
    assert.equal((await h.job('job-lambda')).state.status, 'FAILED', 'not retried');
    assert.deepEqual(await h.workItemsFor('job-lambda'), []);
  });

  it('queues a chunked job for the chunker on mpr.work.chunk.job, once per attempt', async () => {
    await h.createJob('job-chunked', { chunked: true });
    const [item] = await h.workUntil('job-chunked', 1);
    assert.equal(item.subject, h.streams.names.workSubject('chunk.job'));
    assert.equal(item.item.attempt, 1);
    // What the chunker's coordinator receives through its durable consumer.
    await ensureChunkConsumers(h.jsm, h.streams.names, 30_000, 5);
    const consumer = await h.js.consumers.get(h.streams.names.work, chunkConsumerName('job'));
    const msg = await consumer.next({ expires: 2_000 });
    assert.ok(msg, 'an item for the chunk-job consumer');
    assert.equal(msg.headers?.get('Nats-Msg-Id'), 'job-chunked-1');
    assert.equal(decodeChunkJobItem(msg.string()).jobId, 'job-chunked');
    msg.ack();
  });

  it('runs a chunked job whose preset makes no video as a single pass, on the transcode queue', async () => {
    const audioOnly = BUILTIN_PRESETS.find((p) => p.presetId === 'builtin-aac-192k')!;
    await handleCommand(h.streams.store, { type: 'preset', id: 'preset-audio' }, presetDecider, {
      type: 'CreatePreset',
      presetId: 'preset-audio',
      settings: audioOnly.settings,
      builtin: false,
    });
    await h.command('job-audio', {
      type: 'CreateJob',
      jobId: 'job-audio',
      sourceAssetId: 'asset-1',
      presetId: 'preset-audio',
      outputFilename: 'job-audio.m4a',
      executor: Executor.UNSPECIFIED,
      chunked: true,
      priority: Priority.NORMAL,
    });
    const [item] = await h.workUntil('job-audio', 1);
    assert.equal(item.subject, h.streams.names.workSubject('transcode.normal'));
    await h.drained();
    assert.equal((await h.workItemsFor('job-audio')).length, 1, 'queued once, for a transcoder only');
  });

  it('queues nothing for a job cancelled before the scheduler saw it', async () => {
    await h.stop();
    await h.createJob('job-cancelled');
    await h.command('job-cancelled', { type: 'CancelJob', jobId: 'job-cancelled' });
    await h.start();
    await h.drained();
    assert.deepEqual(await h.workItemsFor('job-cancelled'), []);
    assert.equal((await h.job('job-cancelled')).state.status, 'CANCELLED');
  });

  it('retries a retryable failure automatically once the backoff has passed, as attempt 2', async () => {
    await h.createJob('job-flaky');
    await h.workUntil('job-flaky', 1);
    await h.startJob('job-flaky');
    await h.command('job-flaky', { type: 'FailJob', jobId: 'job-flaky', attempt: 1, errorMessage: 'worker lost', retryable: true });
    const { events } = await h.jobUntil('job-flaky', (s) => s.status === 'PENDING' && s.attempt === 2);
    const failed = events.find((e) => e.event.case === 'jobFailed')!;
    const retried = events.find((e) => e.event.case === 'jobRetried')!;
    assert.deepEqual(retried.event.value, { ...retried.event.value, attempt: 2, automatic: true });
    const waitedMs = retried.occurredAt.getTime() - failed.occurredAt.getTime();
    assert.ok(waitedMs >= 200, `retried after ${waitedMs} ms, before the 200 ms backoff`);
    const items = await h.workUntil('job-flaky', 2);
    assert.deepEqual(
      items.map((w) => w.item.attempt),
      [1, 2],
    );
  });

  it('leaves a non-retryable failure FAILED', async () => {
    await h.createJob('job-corrupt');
    await h.workUntil('job-corrupt', 1);
    await h.startJob('job-corrupt');
    const refused = await h.retriesRefused('not-retryable');
    await h.command('job-corrupt', { type: 'FailJob', jobId: 'job-corrupt', attempt: 1, errorMessage: 'invalid data found', retryable: false });
    // The policy's decision, taken once for the failure: nothing is left to retry it later.
    await h.retriesRefusedUntil('not-retryable', refused + 1);
    const { state } = await h.job('job-corrupt');
    assert.deepEqual([state.status, state.attempt], ['FAILED', 1]);
  });

  it('stops retrying after MPR_MAX_ATTEMPTS (3) attempts', async () => {
    const refused = await h.retriesRefused('exhausted');
    await h.createJob('job-doomed');
    for (let attempt = 1; attempt <= 3; attempt++) {
      await h.jobUntil('job-doomed', (s) => s.status === 'PENDING' && s.attempt === attempt);
      await h.workUntil('job-doomed', attempt);
      await h.startJob('job-doomed');
      await h.command('job-doomed', { type: 'FailJob', jobId: 'job-doomed', attempt, errorMessage: 'worker lost', retryable: true });
    }
    await h.retriesRefusedUntil('exhausted', refused + 1);
    const { state } = await h.job('job-doomed');
    assert.deepEqual([state.status, state.attempt], ['FAILED', 3]);
    assert.equal((await h.workItemsFor('job-doomed')).length, 3);
  });

  it('after a restart, handles what arrived while it was down, and queues each attempt once', async () => {
    await h.stop();
    await h.createJob('job-while-down-1');
    await h.createJob('job-while-down-2', { priority: Priority.HIGH });
    await h.start();
    await h.workUntil('job-while-down-1', 1);
    await h.workUntil('job-while-down-2', 1);
    await h.drained();
    const keys = (await h.workItems()).map((w) => `${w.item.jobId}#${w.item.attempt}`);
    assert.deepEqual(keys, [...new Set(keys)], 'no attempt queued twice');
  });
});

describe('scheduler: its consumer deleted under it', () => {
  let h: SchedulerHarness;

  before(async () => {
    h = await SchedulerHarness.create();
  });
  after(() => h.cleanup());

  it('creates the consumer again and carries on', async () => {
    await h.createJob('job-before');
    await h.workUntil('job-before', 1);
    await h.jsm.consumers.delete(h.streams.names.events, 'scheduler');
    await h.createJob('job-after');
    await h.workUntil('job-after', 1, 30_000);
    assert.equal((await h.workItemsFor('job-before')).length, 1, 'the replayed JobCreated was deduplicated');
  });
});

describe('scheduler: replicas share the job events', () => {
  let h: SchedulerHarness;
  let replica: RunningService;

  before(async () => {
    h = await SchedulerHarness.create();
    replica = await h.startReplica();
  });
  after(async () => {
    await replica.app.close();
    await h.cleanup();
  });

  it('handles each event once across replicas', async () => {
    const jobs = Array.from({ length: 12 }, (_, i) => `job-r${i}`);
    for (const jobId of jobs) await h.createJob(jobId);
    for (const jobId of jobs) assert.equal((await h.workUntil(jobId, 1)).length, 1);
    const dispatched = async (url: string) =>
      metricValue(await (await fetch(`${url}/metrics`)).text(), 'mpr_scheduler_dispatched_total', { executor: 'local' }) ?? 0;
    const [first, second] = [await dispatched(h.url), await dispatched(replica.url)];
    assert.equal(first + second, jobs.length, `dispatched ${first} + ${second}`);
  });
});

describe('scheduler: MPR_EXECUTOR=gcp', () => {
  let h: SchedulerHarness;

  before(async () => {
    h = await SchedulerHarness.create({ MPR_EXECUTOR: 'gcp' });
  });
  after(() => h.cleanup());

  it('fails jobs without an executor of their own, with a clear message', async () => {
    await h.createJob('job-default');
    const { state } = await h.jobUntil('job-default', (s) => s.status === 'FAILED');
    assert.equal(state.errorMessage, NOT_CONFIGURED('gcp', 'MPR_CLOUD_RUN_JOB'));
    assert.equal(state.retryable, false);
  });

  it('still queues a job that asks for local', async () => {
    await h.createJob('job-local', { executor: Executor.LOCAL });
    assert.equal((await h.workUntil('job-local', 1)).length, 1);
  });
});

describe('scheduler: metrics', () => {
  let h: SchedulerHarness;

  before(async () => {
    h = await SchedulerHarness.create();
  });
  after(() => h.cleanup());

  it('reports jobs per state, dispatches, retries and the work lag', async () => {
    let text = await h.metrics();
    for (const cls of ['high', 'normal', 'low']) assert.equal(metricValue(text, 'mpr_work_lag', { class: cls }), 0, `${cls} before transcoders exist`);

    await ensureTranscodeConsumers(h.jsm, h.streams.names, 30_000);
    await h.createJob('job-m1');
    await h.createJob('job-m2', { executor: Executor.LAMBDA });
    await h.createJob('job-m3', { priority: Priority.HIGH });
    await h.workUntil('job-m3', 1);
    await h.startJob('job-m3');
    await h.command('job-m3', { type: 'FailJob', jobId: 'job-m3', attempt: 1, errorMessage: 'worker lost', retryable: true });
    await h.jobUntil('job-m3', (s) => s.attempt === 2);
    await h.workUntil('job-m3', 2);
    await h.jobUntil('job-m2', (s) => s.status === 'FAILED');

    const expected = { pending: 2, processing: 0, completed: 0, failed: 1, cancelled: 0 };
    const jobStates = () => JSON.stringify(Object.fromEntries(Object.keys(expected).map((state) => [state, metricValue(text, 'mpr_jobs', { state })])));
    await waitFor('mpr_jobs to count the jobs by state', async () => ((text = await h.metrics()), jobStates()), {
      done: (states) => states === JSON.stringify(expected),
    });
    assert.equal(metricValue(text, 'mpr_scheduler_dispatched_total', { executor: 'local' }), 3);
    assert.equal(metricValue(text, 'mpr_scheduler_retries_total'), 1);
    assert.equal(metricValue(text, 'mpr_work_lag', { class: 'normal' }), 1);
    assert.equal(metricValue(text, 'mpr_work_lag', { class: 'high' }), 2);
  });
});
