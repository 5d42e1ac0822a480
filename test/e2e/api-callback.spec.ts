import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { Executor } from '@mpr/contracts/common_pb';
import { handleCommand, jobCallbackToken, jobDecider, signCallback } from '@mpr/core';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { waitFor } from '@mpr/core/testing/wait-for';
import { type ApiHarness, startApi } from './api-harness';

const SECRET = 'a-callback-secret-of-at-least-32-chars';

/**
 * The executors' completion webhook against the real API: its command bus,
 * the event log and the read model behind it (the controller's unit spec
 * stubs the bus). Every refusal leaves the job's history as it was.
 */
/** An API with one registered clip and a pending job on it. */
async function startWithPendingJob(extraEnv: Record<string, string> = {}): Promise<{ h: ApiHarness; jobId: string }> {
  const h = await startApi({ MPR_CALLBACK_SECRET: SECRET, ...extraEnv });
  await makeVideo(join(h.mediaIn, 'clip.mp4'));
  await h.graphql('mutation { scanMediaFolder { registered } }');
  const { data } = await h.graphql<{ assets: Array<{ id: string }> }>('query { assets(status: "ready") { id } }');
  const created = await h.graphql<{ createJob: { id: string } }>(
    `mutation { createJob(input: { sourceAssetId: "${data!.assets[0].id}", presetId: "builtin-h264-720p" }) { id } }`,
  );
  assert.equal(created.errors, undefined, JSON.stringify(created.errors));
  return { h, jobId: created.data!.createJob.id };
}

function postTo(h: ApiHarness, jobId: string, body: string, contentType = 'application/json') {
  const signature = `sha256=${signCallback(jobCallbackToken(SECRET, jobId), body)}`;
  return fetch(`${h.url}/api/jobs/${jobId}/callback`, { method: 'POST', headers: { 'content-type': contentType, 'x-mpr-signature': signature }, body });
}

const historyOf = async (h: ApiHarness, jobId: string) =>
  (await h.graphql<{ job: { events: Array<{ type: string }> } }>(`query { job(id: "${jobId}") { events { type } } }`)).data!.job.events.map((e) => e.type);

describe('API: the callback endpoint against the real command bus', () => {
  let h: ApiHarness;
  let pendingJobId: string;

  before(async () => {
    ({ h, jobId: pendingJobId } = await startWithPendingJob());
  });
  after(() => h?.stop());

  const post = (jobId: string, body: string, contentType?: string) => postTo(h, jobId, body, contentType);
  const history = (jobId: string) => historyOf(h, jobId);

  it('415 for a body that is not JSON, and nothing appended', async () => {
    const response = await post(pendingJobId, 'status=completed', 'text/plain');
    assert.equal(response.status, 415);
    assert.match(((await response.json()) as { error: string }).error, /must be application\/json/);
    assert.deepEqual(await history(pendingJobId), ['JobCreated']);
  });

  it('400 for a signed body that is not a callback, and nothing appended', async () => {
    const response = await post(pendingJobId, JSON.stringify({ attempt: 0, status: 'completed', outputPath: 'x.mp4' }));
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /invalid callback body/);
    assert.deepEqual(await history(pendingJobId), ['JobCreated']);
  });

  it('404 for a job the event log does not know', async () => {
    const response = await post(randomUUID(), JSON.stringify({ attempt: 1, status: 'completed', outputPath: 'x.mp4' }));
    assert.equal(response.status, 404);
    assert.match(((await response.json()) as { error: string }).error, /not found|does not exist/i);
  });

  it('409 for a completion the job cannot take (still pending, never started), and nothing appended', async () => {
    const response = await post(pendingJobId, JSON.stringify({ attempt: 1, status: 'completed', outputPath: 'x.mp4' }));
    assert.equal(response.status, 409);
    assert.match(((await response.json()) as { error: string }).error, /PENDING/);
    assert.deepEqual(await history(pendingJobId), ['JobCreated']);
  });
});

describe('API: a callback while the read models lag', () => {
  let h: ApiHarness;
  let jobId: string;

  before(async () => {
    ({ h, jobId } = await startWithPendingJob({ MPR_API_READ_WAIT_SECONDS: '1' }));
    // The executor took the job: a completion is what it may now report.
    await handleCommand(h.streams.store, { type: 'job', id: jobId }, jobDecider, { type: 'StartJob', jobId, workerId: 'lambda-1', executor: Executor.LAMBDA });
  });
  after(() => h?.stop());

  it('503 with Retry-After while the projection is held; the same callback sent again completes the job once', async () => {
    const body = JSON.stringify({ attempt: 1, status: 'completed', outputPath: 'clip_720p.mp4' });
    // As api-read-lag.spec does: the projection takes the checkpoint row FOR UPDATE with every event, so holding that lock holds it.
    const holder = new Client({ connectionString: h.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT sequence FROM projection_checkpoints FOR UPDATE');
      const behind = await postTo(h, jobId, body);
      assert.equal(behind.status, 503);
      assert.equal(behind.headers.get('retry-after'), '1');
      assert.match(
        ((await behind.json()) as { error: string }).error,
        new RegExp(
          `^the callback for job ${jobId} is recorded \\(event \\d+\\), but the read models are still at event \\d+: send the same callback again after Retry-After seconds$`,
        ),
      );
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }

    // What an executor honouring Retry-After does: send the same signed callback until it is answered.
    const again = await waitFor(
      'the repeated callback to be answered',
      async () => {
        const response = await postTo(h, jobId, body);
        return { status: response.status, body: (await response.json()) as unknown };
      },
      { done: (answer) => answer.status !== 503, describe: (answer) => JSON.stringify(answer) },
    );
    assert.deepEqual(again, { status: 200, body: { status: 'completed' } });
    assert.deepEqual(await historyOf(h, jobId), ['JobCreated', 'JobStarted', 'JobCompleted'], 'completed once: the repeat appended nothing');
  });
});
