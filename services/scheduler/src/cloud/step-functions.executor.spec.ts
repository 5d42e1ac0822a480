import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { executionName } from './step-functions.executor';

describe('executionName', () => {
  it('names an execution after its job attempt', () => {
    assert.equal(executionName('7b0c3a52-5f0e-4c1e-9d7a-0c8f6f1f2a10', 3), '7b0c3a52-5f0e-4c1e-9d7a-0c8f6f1f2a10-a3');
  });

  it('a job id too long for Step Functions (80 characters) gets a stable digest, still per attempt', () => {
    const id = 'j'.repeat(128);
    const [first, again, next] = [executionName(id, 1), executionName(id, 1), executionName(id, 2)];
    assert.match(first, /^[0-9a-f]{64}-a1$/);
    assert.equal(first, again);
    assert.equal(next, `${first.slice(0, 64)}-a2`);
    assert.ok(executionName(id, 999_999).length <= 80);
  });
});
