import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthPingReply } from '@mpr/core';
import { summarizeServiceHealth } from './service-health.summary';

const reply = (service: HealthPingReply['service'], replicaId: string, postgresOk = true): HealthPingReply => ({
  service,
  replicaId,
  startedAt: '2026-12-02T10:00:00.000Z',
  status: postgresOk ? 'ok' : 'degraded',
  checks: {
    nats: { ok: true, latencyMs: 2 },
    postgres: postgresOk ? { ok: true, latencyMs: 1 } : { ok: false, latencyMs: 750, error: 'no answer within 750 ms' },
  },
});

describe('summarizeServiceHealth', () => {
  it('lists every service in a fixed order, a silent one without replicas', () => {
    const summary = summarizeServiceHealth([reply('transcoder', 'h-2'), reply('api', 'h-1')]);
    assert.deepEqual(
      summary.map((s) => [s.service, s.status, s.replicas.length]),
      [
        ['api', 'ok', 1],
        ['gateway', 'silent', 0],
        ['scheduler', 'silent', 0],
        ['transcoder', 'ok', 1],
        ['chunker', 'silent', 0],
      ],
    );
  });

  it('is degraded when one replica of several is, and keeps that replica’s failed check with its words', () => {
    const [, , , transcoder] = summarizeServiceHealth([reply('transcoder', 'h-b', false), reply('transcoder', 'h-a')]);
    assert.equal(transcoder.status, 'degraded');
    assert.deepEqual(
      transcoder.replicas.map((r) => r.replicaId),
      ['h-a', 'h-b'],
    );
    assert.deepEqual(transcoder.replicas[1].checks, [
      { name: 'nats', ok: true, latencyMs: 2, error: null },
      { name: 'postgres', ok: false, latencyMs: 750, error: 'no answer within 750 ms' },
    ]);
    assert.equal(transcoder.replicas[1].startedAt.toISOString(), '2026-12-02T10:00:00.000Z');
  });

  it('leaves out an answer from a service it does not know', () => {
    const summary = summarizeServiceHealth([{ ...reply('api', 'h-1'), service: 'mailer' as HealthPingReply['service'] }]);
    assert.equal(summary.length, 5);
    assert.ok(summary.every((s) => s.status === 'silent'));
  });
});
