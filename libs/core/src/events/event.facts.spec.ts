import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventFacts } from './event.facts';

describe('eventFacts', () => {
  const envelope = (payload: Record<string, unknown>) => ({
    id: 'e-1',
    type: 'JobStarted',
    aggregateType: 'job',
    aggregateId: 'j-1',
    occurredAt: '2026-12-03T06:11:21.754Z',
    commandId: 'c-1',
    ...payload,
  });

  it("lists the payload's fields, not the envelope's, without the omitted ones", () => {
    const json = envelope({ jobStarted: { jobId: 'j-1', attempt: 1, workerId: 'vm-15890-0', executor: 'EXECUTOR_LOCAL' } });
    assert.deepEqual(eventFacts(json, ['jobId', 'attempt']), [
      { name: 'workerId', value: 'vm-15890-0' },
      { name: 'executor', value: 'EXECUTOR_LOCAL' },
    ]);
  });

  it('flattens nested messages with dots and joins lists', () => {
    const json = envelope({ jobCreated: { jobId: 'j-1', trim: { startSeconds: 1.5, endSeconds: 3 }, tags: ['a', 'b'], chunked: true } });
    assert.deepEqual(eventFacts(json, ['jobId']), [
      { name: 'trim.startSeconds', value: '1.5' },
      { name: 'trim.endSeconds', value: '3' },
      { name: 'tags', value: 'a, b' },
      { name: 'chunked', value: 'true' },
    ]);
  });

  it('gives nothing for an envelope without a payload (an empty oneof)', () => {
    assert.deepEqual(eventFacts(envelope({})), []);
  });
});
