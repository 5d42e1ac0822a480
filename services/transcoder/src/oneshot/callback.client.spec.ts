import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signCallback } from '@mpr/core';
import { type RecordedAnswer, RecordingHttpServer } from '@mpr/core/testing/recording-http.server';
import { CallbackClient, CallbackRefused } from './callback.client';

const TOKEN = 'cd'.repeat(32);

describe('CallbackClient against a recording HTTP server', () => {
  let answers: RecordedAnswer[] = [];
  let server: RecordingHttpServer;
  let sleeps: number[] = [];
  const client = () => new CallbackClient({ url: `${server.url}/api/jobs/j-1/callback`, token: TOKEN }, async (ms) => void sleeps.push(ms));

  before(async () => {
    server = await RecordingHttpServer.start(() => answers.shift() ?? { status: 500, body: { error: 'no answer queued' } });
  });
  after(() => server.close());
  const reset = (queued: RecordedAnswer[]) => {
    answers = queued;
    sleeps = [];
    server.forget();
  };

  it('signs the exact body it sends with the job token', async () => {
    reset([{ status: 200, body: { status: 'completed' } }]);
    assert.deepEqual(await client().outcome({ status: 'completed', attempt: 1 }), { status: 'completed' });
    const [request] = server.requests;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/api/jobs/j-1/callback');
    assert.equal(request.body, '{"status":"completed","attempt":1}');
    assert.equal(request.headers['x-mpr-signature'], `sha256=${signCallback(TOKEN, request.body)}`);
  });

  it('sends an outcome again after a 503, waiting what Retry-After says, and the same body', async () => {
    reset([
      { status: 503, headers: { 'retry-after': '2' }, body: { error: 'read models behind' } },
      { status: 502, body: {} },
      { status: 200, body: { status: 'failed' } },
    ]);
    assert.deepEqual(await client().outcome({ status: 'failed', attempt: 1, errorMessage: 'x', retryable: false }), { status: 'failed' });
    assert.deepEqual(sleeps, [2_000, 1_000]);
    assert.equal(new Set(server.requests.map((r) => r.body)).size, 1);
  });

  it('does not send again what the API refused (4xx)', async () => {
    reset([{ status: 409, body: { error: 'cannot complete job j-1 in state PENDING' } }]);
    await assert.rejects(
      client().outcome({ status: 'completed', attempt: 1 }),
      (err: unknown) => err instanceof CallbackRefused && /HTTP 409: cannot complete/.test((err as Error).message),
    );
    assert.equal(server.requests.length, 1);
  });

  it('sends progress once: the next report supersedes it', async () => {
    reset([{ status: 503, body: {} }]);
    await assert.rejects(
      client().progress({ status: 'progress', attempt: 1, percent: 5, fps: 0, speed: 0, currentTime: 0, etaSeconds: 0 }),
      /did not reach .* in 1 tries/,
    );
    assert.equal(server.requests.length, 1);
    assert.deepEqual(sleeps, []);
  });

  it('gives up on an API it cannot reach after its tries, saying why', async () => {
    sleeps = [];
    const unreachable = new CallbackClient({ url: 'http://127.0.0.1:9/api/jobs/j-1/callback', token: TOKEN }, async (ms) => void sleeps.push(ms));
    await assert.rejects(
      unreachable.outcome({ status: 'completed', attempt: 1 }),
      /did not reach http:\/\/127\.0\.0\.1:9\/api\/jobs\/j-1\/callback in 6 tries: fetch failed/,
    );
    assert.deepEqual(sleeps, [500, 1_000, 2_000, 4_000, 8_000]);
  });
});
