import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { WorkerPresenceSchema } from '@mpr/contracts/gateway_pb';
import { WorkerRoster } from './worker-roster';

const presence = (workerId: string, expiresAt: number, leaving = false) =>
  create(WorkerPresenceSchema, { workerId, expiresAt: timestampFromMs(expiresAt), leaving });

describe('WorkerRoster', () => {
  it('announces a worker, then gone once its expiry passes without a newer heartbeat', () => {
    const roster = new WorkerRoster();
    assert.equal(roster.apply(presence('w1', 1_000), 0)?.kind, 'worker');
    assert.deepEqual(roster.expire(999), []);
    assert.equal(roster.apply(presence('w1', 2_000), 999)?.kind, 'worker');
    assert.deepEqual(roster.expire(1_500), []);
    assert.deepEqual(roster.expire(2_000), [{ kind: 'gone', workerId: 'w1' }]);
    assert.equal(roster.size, 0);
  });

  it('drops a leaving worker at once, and ignores presence that expired before it arrived', () => {
    const roster = new WorkerRoster();
    roster.apply(presence('w1', 5_000), 0);
    assert.deepEqual(roster.apply(presence('w1', 5_000, true), 1), { kind: 'gone', workerId: 'w1' });
    assert.equal(roster.apply(presence('w2', 10), 20), undefined);
    assert.equal(roster.size, 0);
  });
});
