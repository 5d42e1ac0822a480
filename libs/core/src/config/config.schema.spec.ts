import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.schema';

describe('loadConfig', () => {
  it('gives the embedded defaults for an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.MPR_EXECUTOR, 'local');
    assert.equal(config.MEDIA_IN, 'media/in');
    assert.equal(config.MEDIA_OUT, 'media/out');
    assert.equal(config.NATS_URL, 'nats://127.0.0.1:4222');
    assert.equal(config.MPR_STREAM_PREFIX, 'MPR');
    assert.equal(config.MPR_API_PORT, 8080);
  });

  it('reads and converts what is set', () => {
    const config = loadConfig({ MPR_EXECUTOR: 'gcp', MPR_API_PORT: '9000', MEDIA_BASE_URL: 'https://cdn.example.com/media/' });
    assert.equal(config.MPR_EXECUTOR, 'gcp');
    assert.equal(config.MPR_API_PORT, 9000);
    assert.equal(config.MEDIA_BASE_URL, 'https://cdn.example.com/media/');
  });

  it('reads which services a process runs and where the API forwards the gateway streams, refusing anything else', () => {
    const config = loadConfig({ MPR_SERVICES: 'api,scheduler', MPR_GATEWAY_URL: 'http://127.0.0.1:9081' });
    assert.deepEqual(config.MPR_SERVICES, ['api', 'scheduler']);
    assert.equal(config.MPR_GATEWAY_URL, 'http://127.0.0.1:9081');
    assert.throws(
      () => loadConfig({ MPR_SERVICES: 'api,web', MPR_GATEWAY_URL: 'nats://x:1' }),
      (err: unknown) => err instanceof ConfigError && err.problems.length === 2 && /MPR_SERVICES="api,web": must list api, gateway/.test(err.message),
    );
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ MPR_EXECUTOR: '' }).MPR_EXECUTOR, 'local');
  });

  it('names the variable, its value and what is allowed', () => {
    assert.throws(
      () => loadConfig({ MPR_EXECUTOR: 'kubernetes' }),
      (err: unknown) => err instanceof ConfigError && /MPR_EXECUTOR="kubernetes"/.test(err.message) && /"local"\|"lambda"\|"gcp"/.test(err.message),
    );
  });

  it('lists every bad variable at once', () => {
    assert.throws(
      () => loadConfig({ MPR_API_PORT: '70000', NATS_URL: 'localhost:4222', MPR_STREAM_PREFIX: 'mpr' }),
      (err: unknown) => err instanceof ConfigError && err.problems.length === 3 && /NATS_URL="localhost:4222": must look like nats/.test(err.message),
    );
  });

  it('takes s3:// and gs:// media roots, S3_ENDPOINT and S3_FORCE_PATH_STYLE', () => {
    const config = loadConfig({ MEDIA_IN: 'gs://media/in', MEDIA_OUT: 's3://bucket/out', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true' });
    assert.equal(config.MEDIA_IN, 'gs://media/in');
    assert.equal(config.MEDIA_OUT, 's3://bucket/out');
    assert.equal(config.S3_ENDPOINT, 'http://minio:9000');
    assert.equal(config.S3_FORCE_PATH_STYLE, true);
    assert.equal(loadConfig({}).S3_FORCE_PATH_STYLE, false);
  });

  it('names what is wrong with a media root, never echoing credentials put into its URL', () => {
    assert.throws(
      () => loadConfig({ MEDIA_OUT: 'https://bucket/out' }),
      /MEDIA_OUT="https:\/\/bucket\/out": a media root URL must start with s3:\/\/ or gs:\/\//,
    );
    assert.throws(() => loadConfig({ MEDIA_IN: 's3://Bad_Bucket/x' }), /MEDIA_IN="s3:\/\/Bad_Bucket\/x": "Bad_Bucket" is not a valid S3 bucket name/);
    assert.throws(
      () => loadConfig({ MEDIA_IN: 's3://AKIAEXAMPLE:topsecret@media/in' }),
      (err: Error) => /MEDIA_IN="s3:\/\/…@media\/in": s3:\/\/ roots take no credentials/.test(err.message) && !/AKIAEXAMPLE|topsecret/.test(err.message),
    );
    assert.throws(() => loadConfig({ S3_FORCE_PATH_STYLE: 'yes' }), /S3_FORCE_PATH_STYLE="yes"/);
  });
});
