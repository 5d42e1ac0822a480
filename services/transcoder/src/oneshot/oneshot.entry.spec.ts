import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@mpr/core';
import { runOneShotPayload } from './oneshot.entry';

describe('the one-shot entry', { timeout: 10_000 }, () => {
  it('refuses an object-store root by name before it reads the payload', async () => {
    await assert.rejects(
      runOneShotPayload({ not: 'a payload' }, { MEDIA_IN: 's3://media/in', MEDIA_OUT: 'gs://media/out' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.length === 2 &&
        /^MEDIA_IN is a s3:\/\/ root: .*mounted folders only/.test(err.problems[0]!) &&
        /^MEDIA_OUT is a gs:\/\/ root/.test(err.problems[1]!),
    );
  });
});
