import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createObjectStoreClient, GCS_XML_ENDPOINT } from './s3-client.factory';

describe('createObjectStoreClient', () => {
  it('points gs:// at the GCS XML API, checksums only when required, region auto', async () => {
    const client = createObjectStoreClient('gs', {});
    const endpoint = await client.config.endpoint?.();
    assert.equal(`${endpoint?.protocol}//${endpoint?.hostname}`, GCS_XML_ENDPOINT);
    assert.equal(await client.config.requestChecksumCalculation(), 'WHEN_REQUIRED');
    assert.equal(await client.config.responseChecksumValidation(), 'WHEN_REQUIRED');
    assert.equal(await client.config.region(), 'auto');
  });

  it('gives s3:// the endpoint and path style asked for, and the SDK defaults otherwise', async () => {
    const minio = createObjectStoreClient('s3', { endpoint: 'http://minio:9000', forcePathStyle: true });
    const endpoint = await minio.config.endpoint?.();
    assert.equal(endpoint?.hostname, 'minio');
    assert.equal(endpoint?.port, 9000);
    assert.equal(minio.config.forcePathStyle, true);
    const aws = createObjectStoreClient('s3', {});
    assert.equal(aws.config.forcePathStyle, false);
    assert.equal(await aws.config.requestChecksumCalculation(), 'WHEN_SUPPORTED');
  });
});
