import assert from 'node:assert/strict';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mercuriusGateway from '@mercuriusjs/gateway';
import Fastify from 'fastify';
import { Client } from 'pg';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { CALLBACK_SIGNATURE_HEADER, CallbackSecret, handleCommand, jobDecider, signCallback, startService } from '@mpr/core';
import { waitFor } from '@mpr/core/testing/wait-for';
import { makeAudio, makeVideo } from '@mpr/core/testing/media-fixtures';
import { apiService } from '../../services/api/src/api.service-definition';
import { rebuildReadModels } from '../../services/api/src/read-models/read-model.rebuild';
import { API_TOKEN, type ApiHarness, startApi } from './api-harness';

const TABLES = ['assets', 'presets', 'jobs', 'projection_checkpoints'];

async function snapshot(url: string): Promise<Record<string, unknown[]>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result: Record<string, unknown[]> = {};
    for (const table of TABLES) {
      const key = table === 'projection_checkpoints' ? 'name' : 'id';
      // updated_at of the checkpoint is wall-clock bookkeeping, not projected data.
      const rows = (await client.query(`SELECT * FROM ${table} ORDER BY ${key}`)).rows;
      result[table] = rows.map((row) => (table === 'projection_checkpoints' ? { ...row, updated_at: undefined } : row));
    }
    return result;
  } finally {
    await client.end();
  }
}

describe('API: read models are projections of the log', () => {
  let h: ApiHarness;
  let assetId: string;

  before(async () => {
    h = await startApi();
    await makeVideo(join(h.mediaIn, 'a.mp4'));
    await makeVideo(join(h.mediaIn, 'b.mkv'), { audio: false });
    await makeAudio(join(h.mediaIn, 'c.flac'));
    await makeAudio(join(h.mediaIn, 'gone.wav'));
    await h.graphql('mutation { scanMediaFolder { registered } }');
    // One file goes away for good, one comes back: the rebuild must give their statuses too.
    await rename(join(h.mediaIn, 'gone.wav'), join(h.mediaOut, 'gone.wav'));
    await rename(join(h.mediaIn, 'c.flac'), join(h.mediaOut, 'c.flac'));
    await h.graphql('mutation { scanMediaFolder { missing } }');
    await rename(join(h.mediaOut, 'c.flac'), join(h.mediaIn, 'c.flac'));
    await h.graphql('mutation { scanMediaFolder { returned } }');
    const { data } = await h.graphql('query { assets(status: "ready") { id filePath } }');
    assetId = data!.assets.find((a: { filePath: string }) => a.filePath === 'a.mp4').id;
    const presets = await h.graphql('query { presets { id videoCodec } }');
    const presetId = presets.data!.presets.find((p: { videoCodec: string }) => p.videoCodec === 'libx264').id;
    for (let i = 0; i < 3; i++) {
      const job = await h.graphql(
        `mutation { createJob(input: { sourceAssetId: "${assetId}", presetId: "${presetId}", trimStart: 0.2, priority: "low" }) { id } }`,
      );
      if (i > 0) await h.graphql(`mutation { cancelJob(id: "${job.data!.createJob.id}") { id } }`);
      if (i > 1) await h.graphql(`mutation { retryJob(id: "${job.data!.createJob.id}") { id } }`);
    }
    await h.graphql(`mutation { updateAsset(id: "${assetId}", input: { comments: "first cut" }) { id } }`);
    const custom = await h.graphql(
      'mutation { createPreset(input: { name: "Tiny", container: "mp4", videoCodec: "libx264", videoCrf: 30, audioCodec: "aac" }) { id } }',
    );
    assert.equal(custom.errors, undefined, JSON.stringify(custom.errors));
    await h.graphql(
      `mutation { updatePreset(id: "${custom.data!.createPreset.id}", input: { name: "Tiny 2", container: "mkv", videoCodec: "libx264", audioCodec: "libopus" }) { id } }`,
    );
  });
  after(() => h.stop());

  it('rebuilding from the log gives the same tables as the live projection', async () => {
    const live = await snapshot(h.db.url);
    assert.ok((live.jobs as unknown[]).length === 3 && (live.assets as unknown[]).length === 4);
    assert.deepEqual((live.assets as Array<{ status: string }>).map((a) => a.status).sort(), ['missing', 'ready', 'ready', 'ready']);
    const report = await rebuildReadModels(h.config);
    assert.ok(report.events > 20, `replayed ${report.events} events`);
    const rebuilt = await snapshot(h.db.url);
    assert.deepEqual(rebuilt, live);
  });

  it('the live projector carries on after a rebuild', async () => {
    const updated = await h.graphql(`mutation { updateAsset(id: "${assetId}", input: { comments: "after rebuild" }) { comments } }`);
    assert.equal(updated.data!.updateAsset.comments, 'after rebuild');
  });

  it('a restart catches up on events appended while it was down, applying each once', async () => {
    await h.api.app.close();
    const jobId = 'job-appended-while-down';
    await handleCommand(h.streams.store, { type: 'job', id: jobId }, jobDecider, {
      type: 'CreateJob',
      jobId,
      sourceAssetId: assetId,
      presetId: 'builtin-h264-720p',
      outputFilename: 'x.mp4',
      executor: Executor.LOCAL,
      chunked: false,
      priority: Priority.HIGH,
    });
    h.api = await startService(apiService, h.config);
    h.url = h.api.url;
    const job = await waitFor(
      'the restarted API to project the job',
      async () => (await h.graphql(`query { job(id: "${jobId}") { id status priority executor } }`)).data?.job,
      {
        describe: () => 'no job yet',
      },
    );
    assert.deepEqual(job, { id: jobId, status: 'pending', priority: 'high', executor: 'local' });
    const rows = await snapshot(h.db.url);
    assert.equal((rows.jobs as unknown[]).length, 4);
    const checkpoint = (rows.projection_checkpoints as Array<{ sequence: string }>)[0];
    const info = await h.streams.nc.request(`$JS.API.STREAM.INFO.${h.streams.names.events}`);
    assert.equal(Number(checkpoint.sequence), (info.json() as { state: { last_seq: number } }).state.last_seq);
  });

  it('composes as a federation subgraph behind @mercuriusjs/gateway, which passes the bearer token on', async () => {
    const gateway = Fastify();
    const authorization = `Bearer ${API_TOKEN}`;
    await gateway.register(mercuriusGateway, {
      gateway: {
        services: [
          {
            name: 'mpr',
            url: `${h.url}/graphql`,
            // The gateway's own credential for reading the subgraph's schema at start, then each client's own.
            initHeaders: { authorization },
            rewriteHeaders: (headers) => (headers.authorization ? { authorization: headers.authorization } : {}),
          },
        ],
      },
    });
    await gateway.listen({ port: 0, host: '127.0.0.1' });
    try {
      const query = 'query { presets { id name } assets(status: "ready") { id filename duration } }';
      const response = await gateway.inject({ method: 'POST', url: '/graphql', headers: { authorization }, payload: { query } });
      const body = response.json() as { data: { presets: unknown[]; assets: Array<{ filename: string }> }; errors?: unknown };
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      assert.ok(body.data.presets.length >= 10);
      assert.deepEqual(body.data.assets.map((a) => a.filename).sort(), ['a.mp4', 'b.mkv', 'c.flac']);
      // A client of the gateway without the token gets no data from the subgraph.
      const anonymous = (await gateway.inject({ method: 'POST', url: '/graphql', payload: { query } })).json() as { data?: unknown; errors?: unknown[] };
      assert.ok(anonymous.errors?.length, JSON.stringify(anonymous));
      assert.match(JSON.stringify(anonymous.errors), /Authorization: Bearer <token>/);
      assert.equal(anonymous.data ?? null, null, JSON.stringify(anonymous.data));
    } finally {
      await gateway.close();
    }
  });

  it('job callbacks: a forged one is 401 and appends nothing; a signed one completes the job', async () => {
    const jobId = 'job-cloud-1';
    const ref = { type: 'job' as const, id: jobId };
    const create = {
      type: 'CreateJob' as const,
      jobId,
      sourceAssetId: assetId,
      presetId: 'builtin-h264-720p',
      outputFilename: 'c.mp4',
      executor: Executor.LAMBDA,
      chunked: false,
      priority: Priority.NORMAL,
    };
    await handleCommand(h.streams.store, ref, jobDecider, create);
    await handleCommand(h.streams.store, ref, jobDecider, { type: 'StartJob', jobId, workerId: 'lambda', executor: Executor.LAMBDA });
    const before = (await h.streams.store.load(ref)).events.length;
    const body = JSON.stringify({ attempt: 1, status: 'completed', outputPath: 'c.mp4' });
    const post = (signature: string) =>
      fetch(`${h.url}/api/jobs/${jobId}/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CALLBACK_SIGNATURE_HEADER]: signature },
        body,
      });

    const forged = await post(`sha256=${'0'.repeat(64)}`);
    assert.equal(forged.status, 401);
    const otherJob = await post(`sha256=${signCallback(h.api.app.get(CallbackSecret).tokenFor('another-job'), body)}`);
    assert.equal(otherJob.status, 401);
    assert.equal((await h.streams.store.load(ref)).events.length, before, 'nothing appended');

    const signed = await post(`sha256=${signCallback(h.api.app.get(CallbackSecret).tokenFor(jobId), body)}`);
    assert.equal(signed.status, 200, await signed.clone().text());
    assert.deepEqual(await signed.json(), { status: 'completed' });
    const job = await h.graphql(`query { job(id: "${jobId}") { status outputPath } }`);
    assert.deepEqual(job.data!.job, { status: 'completed', outputPath: 'c.mp4' });
  });
});
