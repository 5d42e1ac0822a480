import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { jobCallbackToken, signCallback } from '../../services/api/src/http/callback-signature';
import { type ApiHarness, startApi } from './api-harness';

const SECRET = 'a-callback-secret-of-at-least-32-chars';

/**
 * The executors' completion webhook against the real API: its command bus,
 * the event log and the read model behind it (the controller's unit spec
 * stubs the bus). Every refusal leaves the job's history as it was.
 */
describe('API: the callback endpoint against the real command bus', () => {
  let h: ApiHarness;
  let pendingJobId: string;

  before(async () => {
    h = await startApi({ MPR_CALLBACK_SECRET: SECRET });
    await makeVideo(join(h.mediaIn, 'clip.mp4'));
    await h.graphql('mutation { scanMediaFolder { registered } }');
    const { data } = await h.graphql<{ assets: Array<{ id: string }> }>('query { assets(status: "ready") { id } }');
    const created = await h.graphql<{ createJob: { id: string } }>(
      `mutation { createJob(input: { sourceAssetId: "${data!.assets[0].id}", presetId: "builtin-h264-720p" }) { id } }`,
    );
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    pendingJobId = created.data!.createJob.id;
  });
  after(() => h?.stop());

  function post(jobId: string, body: string, contentType = 'application/json') {
    const signature = `sha256=${signCallback(jobCallbackToken(SECRET, jobId), body)}`;
    return fetch(`${h.url}/api/jobs/${jobId}/callback`, { method: 'POST', headers: { 'content-type': contentType, 'x-mpr-signature': signature }, body });
  }

  const history = async (jobId: string) =>
    (await h.graphql<{ job: { events: Array<{ type: string }> } }>(`query { job(id: "${jobId}") { events { type } } }`)).data!.job.events.map((e) => e.type);

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
