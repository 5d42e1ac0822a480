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

  const stalled = async () => metricValue(await h.metrics(), 'mpr_scheduler_stalled_total') ?? 0;

  it('fails a silent PROCESSING job as retryable, which gets it retried', async () => {
    const stalledBefore = await stalled();
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
    assert.equal(await stalled(), stalledBefore + 1);
  });

  it('leaves a job with fresh heartbeats alone, even long past the timeout', async () => {
    await h.createJob('job-busy');
    await h.workUntil('job-busy', 1);
    await h.startJob('job-busy', 'worker-b');
    for (let percent = 1; percent <= 10; percent++) {
      await heartbeat('job-busy', 1, percent * 5);
      // The time between heartbeats is what is under test: 10 of them 450 ms apart outlast the 2 s timeout.
      await sleep(450);
      assert.equal((await h.job('job-busy')).state.status, 'PROCESSING', `after ${percent * 450} ms of heartbeats`);
    }
    await h.command('job-busy', { type: 'CompleteJob', jobId: 'job-busy', attempt: 1, outputPath: 'job-busy.mp4', outputAssetId: '' });
    // A job started after job-busy completed, then silent: once the watchdog has failed it, a check has run
    // past job-busy's own deadline (it last heard of job-busy earlier), and left it alone.
    await h.createJob('job-busy-witness');
    await h.workUntil('job-busy-witness', 1);
    await h.startJob('job-busy-witness', 'worker-w');
    const witness = await h.jobUntil('job-busy-witness', (s) => s.status !== 'PROCESSING' || s.attempt > 1, 8_000);
    assert.ok(
      witness.events.some((e) => e.event.case === 'jobFailed'),
      'the watchdog failed the witness',
    );
    assert.equal((await h.job('job-busy')).state.status, 'COMPLETED');
  });

  it('counts silence from the last heartbeat, not from the start', async () => {
    await h.createJob('job-quit');
    await h.workUntil('job-quit', 1);
    await h.startJob('job-quit', 'worker-c');
    for (let i = 0; i < 5; i++) {
      await heartbeat('job-quit', 1, i);
      // Heartbeats spread over 2 s, as long as the timeout, are what is under test: silence counts from the last.
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
