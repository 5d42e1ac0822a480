import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Executor } from '@mpr/contracts/common_pb';
import { handleCommand, jobCallbackToken, jobDecider, MediaUrlSigner, signCallback } from '@mpr/core';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { API_TOKEN, type ApiHarness, startApi } from './api-harness';

const CALLBACK_SECRET = 'a-callback-secret-of-at-least-32-chars';
const CDN = 'https://cdn.example.com/media/';

type Credential = 'none' | 'wrong' | 'right';
const CREDENTIALS: Credential[] = ['none', 'wrong', 'right'];

interface MediaUrl {
  href: string;
  expiresAt: string | null;
}

interface World {
  h: ApiHarness;
  /** A job of a cloud executor, PROCESSING, whose callback the tests may send. */
  jobId: string;
  assetId: string;
}

/** The API with `env`, a probed source, and a job a cloud executor is running. */
async function startWorld(env: Record<string, string>): Promise<World> {
  const h = await startApi({ MPR_CALLBACK_SECRET: CALLBACK_SECRET, ...env });
  await makeVideo(join(h.mediaIn, 'clip.mp4'));
  // An output on its plain path: the door to MEDIA_OUT, apart from the job whose signed outputUrl a test below follows.
  await writeFile(join(h.mediaOut, 'earlier-output.mp4'), 'an earlier output');
  await h.graphql('mutation { scanMediaFolder { registered } }');
  const { data } = await h.graphql<{ assets: Array<{ id: string }> }>('query { assets(status: "ready") { id } }');
  const assetId = data!.assets[0].id;
  const created = await h.graphql<{ createJob: { id: string } }>(
    `mutation { createJob(input: { sourceAssetId: "${assetId}", presetId: "builtin-h264-720p", executor: "lambda", outputFilename: "clip-720p.mp4" }) { id } }`,
  );
  assert.equal(created.errors, undefined, JSON.stringify(created.errors));
  const jobId = created.data!.createJob.id;
  await handleCommand(h.streams.store, { type: 'job', id: jobId }, jobDecider, { type: 'StartJob', jobId, workerId: 'lambda', executor: Executor.LAMBDA });
  return { h, jobId, assetId };
}

const authorization = (credential: Credential): Record<string, string> =>
  credential === 'none' ? {} : { authorization: `Bearer ${credential === 'right' ? API_TOKEN : 'w'.repeat(API_TOKEN.length)}` };

/**
 * Every door of the API, asked with no credential, a wrong one and the right
 * one. The callback's credential is its own per-job signature (a cloud
 * executor holds no API token), so "wrong" there is a forged signature.
 */
function doors(world: World): Record<string, (credential: Credential) => Promise<Response>> {
  const { h, jobId } = world;
  const callbackBody = JSON.stringify({ attempt: 1, status: 'completed', outputPath: 'clip-720p.mp4' });
  const signature = (credential: Credential) =>
    credential === 'right' ? `sha256=${signCallback(jobCallbackToken(CALLBACK_SECRET, jobId), callbackBody)}` : `sha256=${'0'.repeat(64)}`;
  const query = encodeURIComponent('{ presets { id } }');
  return {
    'POST /graphql query': (c) =>
      fetch(`${h.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authorization(c) },
        body: '{"query":"{ presets { id } }"}',
      }),
    'GET /graphql query': (c) => fetch(`${h.url}/graphql?query=${query}`, { headers: authorization(c) }),
    'POST /graphql mutation': (c) =>
      fetch(`${h.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authorization(c) },
        body: '{"query":"mutation { scanMediaFolder { found } }"}',
      }),
    'GET /media/in': (c) => fetch(`${h.url}/media/in/clip.mp4`, { headers: authorization(c) }),
    'HEAD /media/in': (c) => fetch(`${h.url}/media/in/clip.mp4`, { method: 'HEAD', headers: authorization(c) }),
    'GET /media/in with Range': (c) => fetch(`${h.url}/media/in/clip.mp4`, { headers: { range: 'bytes=0-99', ...authorization(c) } }),
    'GET /media/out': (c) => fetch(`${h.url}/media/out/earlier-output.mp4`, { headers: authorization(c) }),
    'GET /metrics': (c) => fetch(`${h.url}/metrics`, { headers: authorization(c) }),
    'POST /api/jobs/:id/callback': (c) =>
      fetch(`${h.url}/api/jobs/${jobId}/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(c === 'none' ? {} : { 'x-mpr-signature': signature(c) }) },
        body: callbackBody,
      }),
    'GET /healthz': (c) => fetch(`${h.url}/healthz`, { headers: authorization(c) }),
    'GET /graphiql': (c) => fetch(`${h.url}/graphiql`, { headers: authorization(c) }),
  };
}

/** The status each door answers each credential with; the callback goes last, since the right one completes the job. */
async function statuses(world: World): Promise<Record<string, Record<Credential, number>>> {
  const result: Record<string, Record<Credential, number>> = {};
  for (const [door, ask] of Object.entries(doors(world))) {
    result[door] = { none: 0, wrong: 0, right: 0 };
    for (const credential of CREDENTIALS) {
      const response = await ask(credential);
      await response.arrayBuffer();
      result[door][credential] = response.status;
    }
  }
  return result;
}

const urlsOf = async (world: World) => {
  const { data, errors } = await world.h.graphql<{ asset: { fileUrl: MediaUrl }; job: { status: string; outputUrl: MediaUrl | null } }>(
    `query { asset(id: "${world.assetId}") { fileUrl { href expiresAt } } job(id: "${world.jobId}") { status outputUrl { href expiresAt } } }`,
  );
  assert.equal(errors, undefined, JSON.stringify(errors));
  return { file: data!.asset.fileUrl, output: data!.job.outputUrl, status: data!.job.status };
};

describe('API: one lock on every door', () => {
  describe('with MPR_API_TOKEN set (and MEDIA_BASE_URL naming a CDN in front of /media/)', () => {
    let world: World;
    before(async () => {
      world = await startWorld({ MEDIA_BASE_URL: CDN });
    });
    after(() => world?.h.stop());

    /** Fetches a URL the API handed out from the API itself, as the CDN in front of it would. */
    const viaApi = (href: string) => `${world.h.url}/media/${href.slice(CDN.length)}`;

    it('answers nothing but /healthz, GraphiQL and a signed callback without the token', async () => {
      assert.deepEqual(await statuses(world), {
        'POST /graphql query': { none: 401, wrong: 401, right: 200 },
        'GET /graphql query': { none: 401, wrong: 401, right: 200 },
        'POST /graphql mutation': { none: 401, wrong: 401, right: 200 },
        'GET /media/in': { none: 401, wrong: 401, right: 200 },
        'HEAD /media/in': { none: 401, wrong: 401, right: 200 },
        'GET /media/in with Range': { none: 401, wrong: 401, right: 206 },
        'GET /media/out': { none: 401, wrong: 401, right: 200 },
        'GET /metrics': { none: 401, wrong: 401, right: 200 },
        'POST /api/jobs/:id/callback': { none: 401, wrong: 401, right: 200 },
        'GET /healthz': { none: 200, wrong: 200, right: 200 },
        'GET /graphiql': { none: 200, wrong: 200, right: 200 },
      });
    });

    it('refuses with the same words at every door that takes the token', async () => {
      const messages = new Set<string>();
      for (const [door, ask] of Object.entries(doors(world))) {
        if (['GET /healthz', 'GET /graphiql', 'POST /api/jobs/:id/callback'].includes(door)) continue;
        const response = await ask('wrong');
        assert.equal(response.headers.get('www-authenticate'), 'Bearer', door);
        if (door.startsWith('HEAD')) continue; // no body to read
        const body = (await response.json()) as { error?: string; errors?: Array<{ message: string }> };
        messages.add(body.error ?? body.errors![0].message);
      }
      assert.deepEqual([...messages], ['the bearer token is not valid']);
      const metrics = (await (await fetch(`${world.h.url}/metrics`)).json()) as { error: string };
      assert.equal(metrics.error, '/metrics needs an "Authorization: Bearer <token>" header');
    });

    it('hands out signed URLs under MEDIA_BASE_URL that open their file without a header, with Range', async () => {
      const { file } = await urlsOf(world);
      assert.ok(file.href.startsWith(`${CDN}in/clip.mp4?expires=`), file.href);
      const expiresAt = Date.parse(file.expiresAt!);
      assert.ok(expiresAt > Date.now() + 3_500_000 && expiresAt <= Date.now() + 3_660_000, file.expiresAt!);
      const whole = await fetch(viaApi(file.href));
      assert.equal(whole.status, 200);
      assert.deepEqual(Buffer.from(await whole.arrayBuffer()), await readFile(join(world.h.mediaIn, 'clip.mp4')));
      const ranged = await fetch(viaApi(file.href), { headers: { range: 'bytes=10-19' } });
      assert.equal(ranged.status, 206);
      assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), (await readFile(join(world.h.mediaIn, 'clip.mp4'))).subarray(10, 20));
    });

    it("gives a job's output a signed URL once it completed, which opens only the output", async () => {
      const before = await urlsOf(world);
      if (before.status !== 'completed') {
        assert.equal(before.output, null, 'no output URL before the job completed');
        const body = JSON.stringify({ attempt: 1, status: 'completed', outputPath: 'clip-720p.mp4' });
        const signed = `sha256=${signCallback(jobCallbackToken(CALLBACK_SECRET, world.jobId), body)}`;
        const done = await fetch(`${world.h.url}/api/jobs/${world.jobId}/callback`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-mpr-signature': signed },
          body,
        });
        assert.equal(done.status, 200, await done.text());
      }
      await writeFile(join(world.h.mediaOut, 'clip-720p.mp4'), 'the output');
      const { output, file } = await urlsOf(world);
      assert.ok(output!.href.startsWith(`${CDN}out/clip-720p.mp4?expires=`), output!.href);
      const served = await fetch(viaApi(output!.href));
      assert.equal(served.status, 200);
      assert.equal(await served.text(), 'the output');
      // The source's signature on the output's path, and the output's on the source's: neither opens.
      const query = (href: string) => href.slice(href.indexOf('?'));
      for (const crossed of [`${world.h.url}/media/out/clip-720p.mp4${query(file.href)}`, `${world.h.url}/media/in/clip.mp4${query(output!.href)}`]) {
        const refused = await fetch(crossed);
        assert.equal(refused.status, 403, crossed);
        assert.deepEqual(await refused.json(), { error: 'the signature does not match this file and expiry' });
      }
    });

    it('refuses an expired signed URL with 403 and when it expired, for sources and outputs alike', async () => {
      const expires = Math.floor(Date.now() / 1000) - 1;
      const signer = new MediaUrlSigner(API_TOKEN);
      for (const [root, file] of [
        ['in', 'clip.mp4'],
        ['out', 'earlier-output.mp4'],
      ] as const) {
        const response = await fetch(`${world.h.url}/media/${root}/${file}?expires=${expires}&signature=${signer.sign(root, file, expires)}`);
        assert.equal(response.status, 403, root);
        assert.deepEqual(await response.json(), {
          error: `this signed URL expired at ${new Date(expires * 1000).toISOString()}; ask the API for a fresh one`,
        });
      }
    });
  });

  describe('with MPR_API_TOKEN unset', () => {
    let world: World;
    before(async () => {
      world = await startWorld({ MPR_API_TOKEN: '' });
    });
    after(() => world?.h.stop());

    it('leaves every door open but the callback, which keeps its own signature', async () => {
      assert.deepEqual(await statuses(world), {
        'POST /graphql query': { none: 200, wrong: 200, right: 200 },
        'GET /graphql query': { none: 200, wrong: 200, right: 200 },
        'POST /graphql mutation': { none: 200, wrong: 200, right: 200 },
        'GET /media/in': { none: 200, wrong: 200, right: 200 },
        'HEAD /media/in': { none: 200, wrong: 200, right: 200 },
        'GET /media/in with Range': { none: 206, wrong: 206, right: 206 },
        'GET /media/out': { none: 200, wrong: 200, right: 200 },
        'GET /metrics': { none: 200, wrong: 200, right: 200 },
        'POST /api/jobs/:id/callback': { none: 401, wrong: 401, right: 200 },
        'GET /healthz': { none: 200, wrong: 200, right: 200 },
        'GET /graphiql': { none: 200, wrong: 200, right: 200 },
      });
    });

    it('hands out plain URLs on the API that never expire', async () => {
      const { file } = await urlsOf(world);
      assert.deepEqual(file, { href: '/media/in/clip.mp4', expiresAt: null });
      const response = await fetch(`${world.h.url}${file.href}`);
      assert.equal(response.status, 200);
    });
  });
});
