import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { handleCommand, jobDecider, type JobCommand, publishJobProgress } from '@mpr/core';
import { waitFor } from '@mpr/core/testing/wait-for';
import { type ApiHarness, startApi } from '../../../../test/e2e/api-harness';
import { JobProgressProjector, LatestPerKeyThrottle } from './job-progress.projector';

describe('LatestPerKeyThrottle', () => {
  // The throttle reads the clock and sets timers; mocked, time passes only when a test says so, and every
  // assertion holds however fast or loaded the machine is.
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
  afterEach(() => mock.timers.reset());

  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  /**
   * Moves the mocked clock on by `ms`, one millisecond at a time, letting each write's promise chain run in
   * between; a timer that chain sets for no delay fires within the same millisecond, as a real one would.
   */
  async function advance(ms: number): Promise<void> {
    for (let i = 0; i < ms; i++) {
      mock.timers.tick(1);
      await settle();
      mock.timers.tick(0);
      await settle();
    }
  }

  /** A throttle at 50 ms whose writes take `writeMs` of mocked time and are recorded with the time they began. */
  function recorder(writeMs = 0) {
    const writes: Array<[string, number]> = [];
    const startedAt: number[] = [];
    const running = new Set<string>();
    let overlapped = false;
    const throttle = new LatestPerKeyThrottle<number>(
      50,
      async (key, value) => {
        overlapped ||= running.has(key);
        running.add(key);
        writes.push([key, value]);
        startedAt.push(Date.now());
        if (writeMs > 0) await new Promise<void>((resolve) => setTimeout(resolve, writeMs));
        running.delete(key);
      },
      (_key, err) => assert.fail(err as Error),
    );
    return { throttle, writes, startedAt, overlapped: () => overlapped };
  }

  it('writes the first value at once and the latest one at the end of the interval', async () => {
    const { throttle, writes, startedAt } = recorder();
    for (let i = 1; i <= 100; i++) throttle.offer('j1', i);
    assert.deepEqual(writes, [['j1', 1]]);
    await advance(49);
    assert.deepEqual(writes, [['j1', 1]], 'nothing more before the interval has passed');
    await advance(1);
    assert.deepEqual(writes, [
      ['j1', 1],
      ['j1', 100],
    ]);
    assert.deepEqual(startedAt, [0, 50]);
    await throttle.close();
  });

  it('keeps to one write per interval under a steady stream, and ends on the latest value', async () => {
    const { throttle, writes, startedAt } = recorder();
    // A value every 2 ms for 300 ms (the last at 298 ms).
    for (let i = 1; i <= 150; i++) {
      throttle.offer('j1', i);
      await advance(2);
    }
    await advance(100);
    assert.deepEqual(startedAt, [0, 50, 100, 150, 200, 250, 300]);
    // Each write takes the latest value offered before it: the one at 48 ms is value 25, and so on.
    assert.deepEqual(
      writes.map(([, value]) => value),
      [1, 25, 50, 75, 100, 125, 150],
    );
    await throttle.close();
  });

  it('never runs two writes of one key at once, and keys do not wait for each other', async () => {
    const { throttle, writes, startedAt, overlapped } = recorder(80);
    throttle.offer('j1', 1);
    throttle.offer('j2', 1);
    throttle.offer('j1', 2);
    assert.deepEqual(writes, [
      ['j1', 1],
      ['j2', 1],
    ]);
    await advance(40);
    throttle.offer('j1', 3);
    await advance(39);
    assert.deepEqual(writes.length, 2, 'no second write of j1 while its first (80 ms) runs');
    await advance(1);
    // The first write ended at 80 ms, past the interval: the latest value goes at once.
    assert.deepEqual(writes, [
      ['j1', 1],
      ['j2', 1],
      ['j1', 3],
    ]);
    assert.deepEqual(startedAt, [0, 0, 80]);
    await advance(200);
    assert.equal(writes.length, 3);
    await throttle.close();
    assert.equal(overlapped(), false);
  });

  it('is idle once the trailing write of every key is done, and not before', async () => {
    const { throttle, writes } = recorder(10);
    let idle = false;
    throttle.offer('j1', 1);
    throttle.offer('j1', 2);
    throttle.offer('j2', 1);
    const idled = throttle.idle().then(() => (idle = true));
    await advance(49);
    assert.equal(idle, false, 'j1 has a value waiting for the end of its interval');
    await advance(1);
    assert.deepEqual(writes.at(-1), ['j1', 2]);
    assert.equal(idle, false, 'the trailing write is under way, and its interval after it');
    await advance(50);
    await idled;
    assert.equal(idle, true);
    await throttle.idle();
    await throttle.close();
  });

  it('drops what is pending on close', async () => {
    const { throttle, writes } = recorder();
    throttle.offer('j1', 1);
    throttle.offer('j1', 2);
    await throttle.close();
    throttle.offer('j1', 3);
    await advance(100);
    assert.deepEqual(writes, [['j1', 1]]);
  });
});

describe('API: live job progress from MPR_TELEMETRY', () => {
  let h: ApiHarness;

  before(async () => {
    h = await startApi();
  });
  after(() => h.stop());

  const run = (jobId: string, command: JobCommand) => handleCommand(h.streams.store, { type: 'job', id: jobId }, jobDecider, command);
  const progress = (jobId: string, attempt: number, percent: number, speed = 1.5, etaSeconds = 10) =>
    publishJobProgress(jetstream(h.streams.nc), h.streams.names, { jobId, attempt, percent, speed, etaSeconds, fps: 30, currentTime: percent });

  async function startedJob(jobId: string): Promise<void> {
    await run(jobId, {
      type: 'CreateJob',
      jobId,
      sourceAssetId: 'asset-1',
      presetId: 'builtin-h264-720p',
      outputFilename: `${jobId}.mp4`,
      executor: Executor.LOCAL,
      chunked: false,
      priority: Priority.NORMAL,
    });
    await run(jobId, { type: 'StartJob', jobId, workerId: 'w1', executor: Executor.LOCAL });
    await jobUntil(jobId, (job) => job.status === 'processing');
  }

  interface JobView {
    id: string;
    status: string;
    progress: number;
    speed: number | null;
    eta: number | null;
  }

  async function jobUntil(jobId: string, done: (job: JobView) => boolean, timeoutMs = 5_000): Promise<JobView> {
    const read = async () => {
      const { data, errors } = await h.graphql<{ jobs: JobView[] }>('query { jobs { id status progress speed eta } }');
      assert.equal(errors, undefined, JSON.stringify(errors));
      return data!.jobs.find((j) => j.id === jobId);
    };
    const job = await waitFor(`job ${jobId} to match`, read, { done: (j) => j !== undefined && done(j), timeoutMs, describe: (j) => JSON.stringify(j) });
    return job!;
  }

  /**
   * Publishes a progress of another (processing) job and waits until it shows:
   * the projector follows the stream in order, so it has been handed what was
   * published before; then until it has written all it was handed (its
   * throttle idle). What was published before has been written, or refused, by now.
   */
  async function settled(otherJobId: string, percent: number): Promise<void> {
    await progress(otherJobId, 1, percent);
    await jobUntil(otherJobId, (j) => j.progress === percent);
    await h.api.app.get(JobProgressProjector).written();
  }

  // Each test has its own jobs, so that it passes alone and in any order.
  it('shows progress, speed and ETA of a processing job', async () => {
    await startedJob('job-shown');
    await progress('job-shown', 1, 42.5, 1.5, 12);
    const job = await jobUntil('job-shown', (j) => j.progress === 42.5);
    assert.deepEqual(job, { id: 'job-shown', status: 'processing', progress: 42.5, speed: 1.5, eta: 12 });
  });

  it('ends on the latest of a burst', async () => {
    await startedJob('job-burst');
    for (let percent = 43; percent <= 80; percent++) await progress('job-burst', 1, percent, 2, 100 - percent);
    const job = await jobUntil('job-burst', (j) => j.progress === 80);
    assert.deepEqual(job, { id: 'job-burst', status: 'processing', progress: 80, speed: 2, eta: 20 });
  });

  it('ignores progress of another attempt', async () => {
    await Promise.all([startedJob('job-attempt'), startedJob('job-attempt-witness')]);
    await progress('job-attempt', 1, 30);
    await jobUntil('job-attempt', (j) => j.progress === 30);
    await progress('job-attempt', 2, 95);
    await settled('job-attempt-witness', 5);
    assert.equal((await jobUntil('job-attempt', () => true)).progress, 30);
  });

  it("goes on within seconds when the server loses its consumer (nats.js's own recreation stalled ~45 s)", async () => {
    await startedJob('job-lost-consumer');
    await progress('job-lost-consumer', 1, 10);
    await jobUntil('job-lost-consumer', (j) => j.progress === 10);
    const jsm = await jetstreamManager(h.streams.nc);
    let deleted = 0;
    for await (const consumer of await jsm.consumers.list(h.streams.names.telemetry)) {
      const filter = consumer.config.filter_subject ?? consumer.config.filter_subjects?.[0];
      if (filter !== h.streams.names.telemetrySubject('job', '*', 'progress')) continue;
      await jsm.consumers.delete(h.streams.names.telemetry, consumer.name);
      deleted++;
    }
    assert.ok(deleted >= 1, 'the projector had a consumer on the progress subjects');
    // Published until it shows: the first messages may go to no consumer at all while the follower notices.
    const lostAt = Date.now();
    let shown: JobView | undefined;
    for (let percent = 20; !shown && Date.now() - lostAt < 15_000; percent++) {
      await progress('job-lost-consumer', 1, percent);
      shown = await jobUntil('job-lost-consumer', (j) => j.progress === percent, 1_000).catch(() => undefined);
    }
    assert.ok(shown, "no progress shown within 15 s of the consumer's loss");
  });

  it('a late progress message never changes a completed job', async () => {
    await Promise.all([startedJob('job-late'), startedJob('job-late-witness')]);
    await progress('job-late', 1, 50, 2, 10);
    await jobUntil('job-late', (j) => j.progress === 50);
    await run('job-late', { type: 'CompleteJob', jobId: 'job-late', attempt: 1, outputPath: 'job-late.mp4', outputAssetId: '' });
    const completed = await jobUntil('job-late', (j) => j.status === 'completed');
    assert.deepEqual(completed, { id: 'job-late', status: 'completed', progress: 100, speed: 2, eta: 0 });
    await progress('job-late', 1, 55, 3, 30);
    await settled('job-late-witness', 6);
    assert.deepEqual(await jobUntil('job-late', () => true), completed);
  });
});
