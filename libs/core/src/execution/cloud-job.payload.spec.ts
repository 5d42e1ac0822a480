import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, equals } from '@bufbuild/protobuf';
import { MediaProbeSchema } from '@mpr/contracts/asset_pb';
import { PresetSettingsSchema } from '@mpr/contracts/preset_pb';
import { BUILTIN_PRESETS } from '../domain/builtin-presets';
import { ValidationError } from '../errors/domain.errors';
import { cloudJobPayload, decodeCloudJobPayload, encodeCloudJobPayload } from './cloud-job.payload';

const preset = create(PresetSettingsSchema, BUILTIN_PRESETS[0].settings);
const probe = create(MediaProbeSchema, { duration: 12.5, videoCodec: 'h264', width: 1920, height: 1080, audioCodec: 'aac' });
const job = { jobId: 'j-1', attempt: 2, outputFilename: 'clips/a_720p.mp4', trimStart: 1.5, trimEnd: undefined };
const callback = { url: 'https://mpr.example.com/api/jobs/j-1/callback', token: 'ab'.repeat(32) };

describe('cloud job payload', () => {
  it('survives its JSON text: the same job, preset and probe', () => {
    const payload = cloudJobPayload(job, { preset, probe }, { root: 'in', path: 'clips/a.mov' }, callback);
    const decoded = decodeCloudJobPayload(encodeCloudJobPayload(payload));
    assert.equal(decoded.jobId, 'j-1');
    assert.equal(decoded.attempt, 2);
    assert.deepEqual(decoded.source, { root: 'in', path: 'clips/a.mov' });
    assert.equal(decoded.outputPath, 'clips/a_720p.mp4');
    assert.deepEqual(decoded.trim, { start: 1.5 });
    assert.ok(equals(PresetSettingsSchema, decoded.preset, preset));
    assert.ok(equals(MediaProbeSchema, decoded.probe, probe));
    assert.deepEqual(decoded.callback, callback);
    // A Lambda event arrives parsed: the same result.
    assert.deepEqual(decodeCloudJobPayload(JSON.parse(encodeCloudJobPayload(payload))), decoded);
  });

  const valid = JSON.parse(encodeCloudJobPayload(cloudJobPayload(job, { preset, probe }, { root: 'in', path: 'a.mov' }, callback))) as Record<string, unknown>;
  for (const [what, change, message] of [
    ['a path out of its root', { source: { root: 'in', path: '../etc/passwd' } }, /may not contain "\.\."/],
    ['an absolute output path', { outputPath: '/tmp/x.mp4' }, /must be relative/],
    ['a job id with subject characters', { jobId: 'a.b' }, /jobId/],
    ['attempt 0', { attempt: 0 }, /attempt/],
    ['a token that is not an HMAC', { callback: { ...callback, token: 'secret' } }, /64 hex digits/],
    ['a preset field that does not exist', { preset: { noSuchField: 1 } }, /noSuchField|invalid job payload/],
  ] as const) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => decodeCloudJobPayload({ ...valid, ...change }),
        (err: unknown) => err instanceof ValidationError && (message as RegExp).test(err.message),
      );
    });
  }

  it('refuses text that is not JSON', () => {
    assert.throws(
      () => decodeCloudJobPayload('{nope'),
      (err: unknown) => err instanceof ValidationError && /not JSON/.test(err.message),
    );
  });
});
