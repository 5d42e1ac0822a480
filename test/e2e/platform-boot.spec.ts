import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createTestDatabase, TEST_NATS_URL, type TestDatabase, uniqueSuffix } from '@mpr/core/testing/test-infra';

const dist = join(__dirname, '..', '..');
const SERVICES = ['api', 'gateway', 'scheduler', 'transcoder', 'chunker'];
const TOKEN = 'boot-test-token-0123456789';

function run(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [join(dist, entry)], {
    env: { ...process.env, ...env, MPR_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('booting the platform', () => {
  it('fails a bad MPR_EXECUTOR at start, naming the variable and what is allowed', async () => {
    const child = run('services/api/main.js', { MPR_EXECUTOR: 'mainframe' });
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    assert.equal(code, 78);
    assert.match(stderr, /MPR_EXECUTOR="mainframe"/);
    assert.match(stderr, /"local"\|"lambda"\|"gcp"/);
  });

  describe('all five services in one process', () => {
    let db: TestDatabase;
    let child: ChildProcess;
    const prefix = `B${uniqueSuffix().toUpperCase()}`;
    const urls = new Map<string, string>();

    before(async () => {
      db = await createTestDatabase();
      const ports = Object.fromEntries(SERVICES.map((s) => [`MPR_${s.toUpperCase()}_PORT`, '0']));
      child = run('services/all/main.js', { ...ports, NATS_URL: TEST_NATS_URL, DATABASE_URL: db.url, MPR_STREAM_PREFIX: prefix, MPR_API_TOKEN: TOKEN });
      let output = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          for (const match of output.matchAll(/(\w+)\s+health (https?:\/\/\S+)\/healthz/g)) urls.set(match[1], match[2]);
          if (urls.size === SERVICES.length) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code} before printing its URLs:\n${output}`)));
      });
    });

    after(async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      const nc = await connect({ servers: TEST_NATS_URL });
      const jsm = await jetstreamManager(nc);
      for (const suffix of ['EVENTS', 'WORK', 'TELEMETRY']) await jsm.streams.delete(`${prefix}_${suffix}`).catch(() => undefined);
      await nc.drain();
      await db.drop();
    });

    it('answers /healthz on every service with NATS and PostgreSQL checked, without the token', async () => {
      assert.deepEqual([...urls.keys()].sort(), [...SERVICES].sort());
      for (const [service, url] of urls) {
        const response = await fetch(`${url}/healthz`);
        assert.equal(response.status, 200, service);
        const body = (await response.json()) as { service: string; checks: Record<string, { ok: boolean }> };
        assert.equal(body.service, service);
        assert.equal(body.checks.nats.ok, true);
        assert.equal(body.checks.postgres.ok, true);
      }
    });

    it('answers /metrics in Prometheus format on every service, only with the token', async () => {
      for (const [service, url] of urls) {
        for (const headers of [{}, { authorization: `Bearer ${'x'.repeat(TOKEN.length)}` }] as Array<Record<string, string>>) {
          const refused = await fetch(`${url}/metrics`, { headers });
          assert.equal(refused.status, 401, `${service} ${JSON.stringify(headers)}`);
          assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
          assert.doesNotMatch(await refused.text(), /mpr_/);
        }
        const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(response.status, 200, service);
        assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
        assert.match(await response.text(), new RegExp(`mpr_process_cpu_seconds_total\\{service="${service}"\\}`));
      }
    });

    it('has created the three streams', async () => {
      const nc = await connect({ servers: TEST_NATS_URL });
      const jsm = await jetstreamManager(nc);
      const names: string[] = [];
      for await (const info of jsm.streams.list()) names.push(info.config.name);
      await nc.drain();
      for (const suffix of ['EVENTS', 'WORK', 'TELEMETRY']) assert.ok(names.includes(`${prefix}_${suffix}`), suffix);
    });

    it('stops cleanly on SIGINT', async () => {
      child.kill('SIGINT');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
    });
  });
});
