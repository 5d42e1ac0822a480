import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DISPATCH_AGGREGATE, type DispatchCommand, dispatchDecider, handleCommand, type RunningService } from '@mpr/core';
import { waitFor } from '@mpr/core/testing/wait-for';
import { metricValue, SchedulerHarness } from './scheduler-harness';

async function metric(url: string, name: string): Promise<number> {
  return metricValue(await (await fetch(`${url}/metrics`)).text(), name) ?? 0;
}

/** The scheduler's own word that it handed `count` job events back because dispatch is paused. */
function heldUntil(url: string, count: number): Promise<number> {
  return waitFor(`the scheduler at ${url} to hold ${count} job event(s)`, () => metric(url, 'mpr_scheduler_held_total'), {
    done: (n) => n >= count,
    describe: (n) => `${n} held`,
  });
}

describe('scheduler: dispatch paused and resumed', () => {
  let h: SchedulerHarness;
  let switches = 0;

  const switchDispatch = (command: DispatchCommand) =>
    handleCommand(h.streams.store, DISPATCH_AGGREGATE, dispatchDecider, command, { commandId: `switch-${++switches}` });
  const pause = () => switchDispatch({ type: 'PauseDispatch', reason: 'test', origin: 'graphql' });
  const resume = () => switchDispatch({ type: 'ResumeDispatch', origin: 'graphql' });

  before(async () => {
    h = await SchedulerHarness.create();
  });
  after(() => h.cleanup());

  it('holds a job created after the pause, also across a restart, and queues it once on resume', async () => {
    await pause();
    try {
      await h.createJob('job-held');
      await heldUntil(h.url, 1);
      assert.equal((await h.job('job-held')).state.status, 'PENDING');
      assert.deepEqual(await h.workItemsFor('job-held'), [], 'nothing queued while paused');
      assert.equal(await metric(h.url, 'mpr_scheduler_holding'), 1);
      assert.equal(await metric(h.url, 'mpr_dispatch_paused'), 1);
      assert.ok((await metric(h.url, 'mpr_scheduler_unhandled_events')) >= 1, 'the held JobCreated waits in the consumer');

      // A restarted scheduler reads the switch from the log: still paused, the job still waits.
      await h.stop();
      await h.start();
      await heldUntil(h.url, 1);
      assert.deepEqual(await h.workItemsFor('job-held'), [], 'nothing queued after the restart either');
    } finally {
      await resume();
    }
    await h.workUntil('job-held', 1);
    await h.drained();
    assert.equal((await h.workItemsFor('job-held')).length, 1, 'queued once');
    assert.equal(await metric(h.url, 'mpr_scheduler_holding'), 0);
    assert.equal(await metric(h.url, 'mpr_dispatch_paused'), 0);
  });

  it('keeps the switch it read, without a read of the log per job event', async () => {
    const before = await metric(h.url, 'mpr_scheduler_switch_reads_total');
    const jobs = Array.from({ length: 10 }, (_, i) => `job-unread-${i}`);
    for (const jobId of jobs) await h.createJob(jobId);
    for (const jobId of jobs) await h.workUntil(jobId, 1);
    const reads = (await metric(h.url, 'mpr_scheduler_switch_reads_total')) - before;
    // Only the safety read (every 5 s) may come in between; reading per event would make it 10.
    assert.ok(reads < jobs.length, `${reads} reads of the switch for ${jobs.length} job events`);
  });

  it('follows the log order: a job appended before the pause is queued, the one after it waits', async () => {
    await h.stop();
    await h.createJob('job-before-pause');
    await pause();
    try {
      await h.createJob('job-after-pause');
      await h.start();
      await h.workUntil('job-before-pause', 1);
      await heldUntil(h.url, 1);
      assert.deepEqual(await h.workItemsFor('job-after-pause'), []);
    } finally {
      await resume();
    }
    await h.workUntil('job-after-pause', 1);
  });

  it('a retry appended while paused waits too; two replicas both hold, and the resume queues it once', async () => {
    let replica: RunningService | undefined;
    try {
      replica = await h.startReplica();
      await h.createJob('job-retried');
      await h.workUntil('job-retried', 1);
      await h.startJob('job-retried');
      await h.command('job-retried', { type: 'FailJob', jobId: 'job-retried', attempt: 1, errorMessage: 'boom', retryable: false });
      await pause();
      try {
        await h.command('job-retried', { type: 'RetryJob', jobId: 'job-retried', automatic: false });
        // Handed back by one replica, it goes to the other, which holds it as well.
        const urls = [h.url, replica.url];
        await waitFor('both replicas to hold', () => Promise.all(urls.map((url) => metric(url, 'mpr_scheduler_holding'))), {
          done: (holding) => holding.every((n) => n === 1),
          describe: (holding) => holding.join(', '),
        });
        assert.equal((await h.workItemsFor('job-retried')).length, 1, 'attempt 2 not queued while paused');
      } finally {
        await resume();
      }
      const items = await h.workUntil('job-retried', 2);
      assert.deepEqual(
        items.map((w) => w.item.attempt),
        [1, 2],
      );
      await h.drained();
      assert.equal((await h.workItemsFor('job-retried')).length, 2, 'attempt 2 queued once');
    } finally {
      await replica?.app.close();
    }
  });
});
