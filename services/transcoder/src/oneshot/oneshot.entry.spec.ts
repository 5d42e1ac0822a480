import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, ValidationError } from '@mpr/core';
import { runOneShotPayload } from './oneshot.entry';

describe('the one-shot entry', { timeout: 10_000 }, () => {
  it('refuses a root that is not a folder, s3:// or gs:// by name before it reads the payload', async () => {
    await assert.rejects(
      runOneShotPayload({ not: 'a payload' }, { MEDIA_IN: 's3://Media/in', MEDIA_OUT: 'gs://media/out' }),
      (err: unknown) => err instanceof ConfigError && err.problems.length === 1 && /^MEDIA_IN.*"Media" is not a valid S3 bucket name/.test(err.problems[0]!),
    );
  });

  it('takes bucket roots: what is refused then is the payload, as a payload', async () => {
    await assert.rejects(
      runOneShotPayload({ not: 'a payload' }, { MEDIA_IN: 's3://media/in', MEDIA_OUT: 'gs://media/out' }),
      (err: unknown) => err instanceof ValidationError && /callback/.test(err.message),
    );
  });
});
