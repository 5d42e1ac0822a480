import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { ensureTranscodeConsumers } from '@mpr/core';
import { makeKeyframedSource } from '@mpr/core/testing/media-fixtures';
import { PlatformProcess } from '@mpr/core/testing/platform-process';
import { waitFor } from '@mpr/core/testing/wait-for';

interface Replica {
  replicaId: string;
  status: string;
  startedAt: string;
  checks: Array<{ name: string; ok: boolean; latencyMs: number; error: string | null }>;
}
interface Queue {
  workClass: string;
  subject: string;
  present: boolean;
  depth: number;
  waiting: number;
  inProgress: number;
  redelivered: number;
}
interface SystemStatus {
  status: string;
  natsConnected: boolean;
  databaseConnected: boolean;
  services: Array<{ service: string; status: string; replicas: Replica[] }>;
  workQueues: Queue[];
  readModels: { checkpoint: number; logHead: number; behind: number; updatedAt: string | null };
  recentFailures: Array<{ id: string; status: string; errorMessage: string | null; attempt: number }>;
  dispatch: { paused: boolean; pendingJobs: number };
}

const SYSTEM_STATUS = `query {
  systemStatus {
    status natsConnected databaseConnected
    services { service status replicas { replicaId status startedAt checks { name ok latencyMs error } } }
    workQueues { workClass subject present depth waiting inProgress redelivered }
    readModels { checkpoint logHead behind updatedAt }
    recentFailures(limit: 5) { id status errorMessage attempt }
    dispatch { paused pendingJobs }
  }
}`;

/**
 * systemStatus against real services: the platform without its workers
 * (MPR_SERVICES=api,gateway,scheduler), so a queued job stays in MPR_WORK
 * where its depth and lag can be read, and two services are silent.
 */
describe('systemStatus: services, work queues, read models, failures', () => {
  let platform: PlatformProcess;
  let assetId: string;

  before(async () => {
    platform = await PlatformProcess.start({ MPR_SERVICES: 'api,gateway,scheduler' });
    await makeKeyframedSource(join(platform.mediaIn, 'clip.mp4'), { seconds: 1, fps: 10, size: '160x120' });
    await platform.query('mutation { scanMediaFolder { found } }');
    const { assets } = await platform.query<{ assets: Array<{ id: string }> }>('query { assets(status: "ready") { id } }');
    assetId = assets[0].id;
  });
  after(() => platform?.stop());

  const status = async () => (await platform.query<{ systemStatus: SystemStatus }>(SYSTEM_STATUS)).systemStatus;
  const queue = (s: SystemStatus, workClass: string) => {
    const found = s.workQueues.find((q) => q.workClass === workClass);
    assert.ok(found, `work class ${workClass} in ${JSON.stringify(s.workQueues)}`);
    return found;
  };

  it('names every service: those running answer the ping over NATS with their checks, the others are silent', async () => {
    const s = await status();
    assert.deepEqual({ status: s.status, nats: s.natsConnected, db: s.databaseConnected }, { status: 'ok', nats: true, db: true });
    assert.deepEqual(
      s.services.map((service) => [service.service, service.status, service.replicas.length]),
      [
        ['api', 'ok', 1],
        ['gateway', 'ok', 1],
        ['scheduler', 'ok', 1],
        ['transcoder', 'silent', 0],
        ['chunker', 'silent', 0],
      ],
    );
    const [api] = s.services;
    // One process runs the three: each names the same replica, with both checks passed.
    assert.equal(new Set(s.services.flatMap((service) => service.replicas.map((r) => r.replicaId))).size, 1);
    assert.match(api.replicas[0].replicaId, /-\d+$/);
    assert.deepEqual(
      api.replicas[0].checks.map((c) => [c.name, c.ok, c.error]),
      [
        ['nats', true, null],
        ['postgres', true, null],
      ],
    );
    assert.ok(Date.parse(api.replicas[0].startedAt) <= Date.now());
  });

  it('counts a queued attempt in its work class: depth before any consumer exists, then lag once one does', async () => {
    const before = await status();
    assert.deepEqual(
      before.workQueues.map((q) => q.workClass),
      ['transcode-high', 'transcode-normal', 'transcode-low', 'chunk-job', 'chunk-segment'],
    );
    assert.ok(before.workQueues.every((q) => !q.present && q.waiting === 0));

    const { createJob } = await platform.query<{ createJob: { id: string } }>(
      `mutation { createJob(input: { sourceAssetId: "${assetId}", presetId: "builtin-h264-720p" }) { id } }`,
    );
    const queued = await waitFor('the scheduler to queue the attempt in MPR_WORK', status, {
      done: (s) => queue(s, 'transcode-normal').depth === 1,
      describe: (s) => JSON.stringify(s.workQueues),
    });
    assert.equal(queue(queued, 'transcode-normal').subject, platform.streams.names.workSubject('transcode.normal'));
    assert.equal(queue(queued, 'transcode-high').depth, 0);
    assert.ok(queued.dispatch.pendingJobs >= 1, `job ${createJob.id} pending`);

    // The consumers a transcoder replica creates when it starts: now the item is lag, none delivered yet.
    await ensureTranscodeConsumers(await jetstreamManager(platform.streams.nc), platform.streams.names, 30_000);
    const consumed = queue(await status(), 'transcode-normal');
    assert.deepEqual(
      { present: consumed.present, depth: consumed.depth, waiting: consumed.waiting, inProgress: consumed.inProgress, redelivered: consumed.redelivered },
      { present: true, depth: 1, waiting: 1, inProgress: 0, redelivered: 0 },
    );
  });

  it('lists the latest failure first with its message, and the read models caught up with the log', async () => {
    const { createJob } = await platform.query<{ createJob: { id: string } }>(
      `mutation { createJob(input: { sourceAssetId: "${assetId}", presetId: "builtin-h264-720p", executor: "lambda" }) { id } }`,
    );
    const s = await waitFor('the lambda job to be the latest failure', status, {
      done: (st) => st.recentFailures[0]?.id === createJob.id && st.readModels.behind === 0,
      describe: (st) => JSON.stringify({ failures: st.recentFailures, readModels: st.readModels }),
    });
    assert.equal(s.recentFailures[0].status, 'failed');
    assert.match(s.recentFailures[0].errorMessage ?? '', /executor "lambda" is not configured: set MPR_SFN_STATE_MACHINE_ARN/);
    assert.equal(s.readModels.checkpoint, s.readModels.logHead);
    assert.ok(s.readModels.logHead > 0 && s.readModels.updatedAt !== null);
  });

  it('refuses a recentFailures limit out of range with the field and the bounds', async () => {
    const result = await platform.graphql('query { systemStatus { recentFailures(limit: 0) { id } } }');
    assert.equal(result.errors?.[0]?.message, 'limit 0 must be 1 to 100');
    assert.equal(result.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });
});
