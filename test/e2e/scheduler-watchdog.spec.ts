import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { publishJobProgress } from '@mpr/core';
import { metricValue, SchedulerHarness } from './scheduler-harness';

const TIMEOUT_SECONDS = 2;

function assertSilentFor(errorMessage: string, workerId: string): void {
  const match = /^no progress from worker (\S+) for (\d+) s$/.exec(errorMessage);
  assert.ok(match, errorMessage);
  assert.equal(match[1], workerId);
  assert.ok(Number(match[2]) >= TIMEOUT_SECONDS, errorMessage);
}

describe('scheduler watchdog: jobs without heartbeats', () => {
  let h: SchedulerHarness;

  before(async () => {
    h = await SchedulerHarness.create({ MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) });
  });
  after(() => h.cleanup());

  const heartbeat = (jobId: string, attempt: number, percent: number) =>
    publishJobProgress(h.js, h.streams.names, { jobId, attempt, percent, speed: 1, etaSeconds: 10 });

  it('fails a silent PROCESSING job as retryable, which gets it retried', async () => {
    await h.createJob('job-silent');
    await h.workUntil('job-silent', 1);
    await h.startJob('job-silent', 'worker-a');
    const startedAt = Date.now();
    // A worker of another attempt still talking is no heartbeat for this one.
    const zombie = setInterval(() => void heartbeat('job-silent', 9, 50), 300);
    const failed = await h.jobUntil('job-silent', (s) => s.status !== 'PROCESSING', 8_000).finally(() => clearInterval(zombie));
    const failedAfterMs = Date.now() - startedAt;
    assert.equal(failed.state.status, 'FAILED');
    assert.equal(failed.state.retryable, true);
    assertSilentFor(failed.state.errorMessage, 'worker-a');
    assert.ok(failedAfterMs >= TIMEOUT_SECONDS * 1_000, `failed after ${failedAfterMs} ms`);

    await h.jobUntil('job-silent', (s) => s.status === 'PENDING' && s.attempt === 2);
    const items = await h.workUntil('job-silent', 2);
    assert.deepEqual(
      items.map((w) => w.item.attempt),
      [1, 2],
    );
    assert.equal(metricValue(await h.metrics(), 'mpr_scheduler_stalled_total'), 1);
  });

  it('leaves a job with fresh heartbeats alone, even long past the timeout', async () => {
    await h.createJob('job-busy');
    await h.workUntil('job-busy', 1);
    await h.startJob('job-busy', 'worker-b');
    for (let percent = 1; percent <= 10; percent++) {
      await heartbeat('job-busy', 1, percent * 5);
      await sleep(450);
      assert.equal((await h.job('job-busy')).state.status, 'PROCESSING', `after ${percent * 450} ms of heartbeats`);
    }
    await h.command('job-busy', { type: 'CompleteJob', jobId: 'job-busy', attempt: 1, outputPath: 'job-busy.mp4', outputAssetId: '' });
    await sleep(TIMEOUT_SECONDS * 1_000 + 1_000);
    assert.equal((await h.job('job-busy')).state.status, 'COMPLETED');
  });

  it('counts silence from the last heartbeat, not from the start', async () => {
    await h.createJob('job-quit');
    await h.workUntil('job-quit', 1);
    await h.startJob('job-quit', 'worker-c');
    for (let i = 0; i < 5; i++) {
      await heartbeat('job-quit', 1, i);
      await sleep(400);
    }
    const lastBeat = Date.now() - 400;
    const { state } = await h.jobUntil('job-quit', (s) => s.status !== 'PROCESSING', 8_000);
    assert.equal(state.status, 'FAILED');
    assert.ok(Date.now() - lastBeat >= TIMEOUT_SECONDS * 1_000);
    assertSilentFor(state.errorMessage, 'worker-c');
  });

  it('after a restart, knows the jobs started while it was down from the log', async () => {
    await h.createJob('job-orphan');
    await h.workUntil('job-orphan', 1);
    await h.stop();
    await h.startJob('job-orphan', 'worker-d');
    await h.start();
    const { state } = await h.jobUntil('job-orphan', (s) => s.status !== 'PROCESSING', 8_000);
    assert.equal(state.status, 'FAILED');
    assertSilentFor(state.errorMessage, 'worker-d');
  });
});
