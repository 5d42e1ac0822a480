import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRetry, retryBackoffMs } from './retry.policy';

const policy = { maxAttempts: 3, retryBaseDelayMs: 2_000, retryMaxDelayMs: 5_000 };
const failedAt = new Date('2026-11-25T10:00:00Z');
const after = (ms: number) => new Date(failedAt.getTime() + ms);

describe('retry policy', () => {
  it('doubles the backoff per attempt up to the ceiling', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((attempt) => retryBackoffMs(attempt, policy)),
      [2_000, 4_000, 5_000, 5_000],
    );
  });

  it('waits out the rest of the backoff, measured from the failure', () => {
    assert.deepEqual(decideRetry({ attempt: 1, retryable: true, failedAt }, after(500), policy), { kind: 'wait', delayMs: 1_500 });
    assert.deepEqual(decideRetry({ attempt: 2, retryable: true, failedAt }, after(1_000), policy), { kind: 'wait', delayMs: 3_000 });
  });

  it('retries once the backoff has passed', () => {
    assert.deepEqual(decideRetry({ attempt: 1, retryable: true, failedAt }, after(2_000), policy), { kind: 'retry-now' });
    assert.deepEqual(decideRetry({ attempt: 2, retryable: true, failedAt }, after(60_000), policy), { kind: 'retry-now' });
  });

  it('never retries a deterministic failure', () => {
    assert.deepEqual(decideRetry({ attempt: 1, retryable: false, failedAt }, after(60_000), policy), { kind: 'not-retryable' });
  });

  it('stops at the last attempt', () => {
    assert.deepEqual(decideRetry({ attempt: 3, retryable: true, failedAt }, after(60_000), policy), { kind: 'exhausted' });
    assert.deepEqual(decideRetry({ attempt: 1, retryable: true, failedAt }, after(60_000), { ...policy, maxAttempts: 1 }), { kind: 'exhausted' });
  });
});
