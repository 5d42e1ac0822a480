import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../errors/domain.errors';
import { describeLocation, parseStorageLocation } from './storage-location';

describe('parseStorageLocation', () => {
  it('takes a path as a local root', () => {
    assert.deepEqual(parseStorageLocation('media/in'), { kind: 'local', path: 'media/in' });
    assert.deepEqual(parseStorageLocation('/srv/media'), { kind: 'local', path: '/srv/media' });
  });

  it('takes s3:// and gs:// with and without a prefix, the prefix ending in one /', () => {
    assert.deepEqual(parseStorageLocation('s3://media-in'), { kind: 's3', bucket: 'media-in', prefix: '' });
    assert.deepEqual(parseStorageLocation('s3://media-in/'), { kind: 's3', bucket: 'media-in', prefix: '' });
    assert.deepEqual(parseStorageLocation('s3://media/uploads/2026//'), { kind: 's3', bucket: 'media', prefix: 'uploads/2026/' });
    assert.deepEqual(parseStorageLocation('gs://my_bucket/out'), { kind: 'gs', bucket: 'my_bucket', prefix: 'out/' });
    assert.deepEqual(parseStorageLocation('S3://media/x'), { kind: 's3', bucket: 'media', prefix: 'x/' });
  });

  it('refuses other schemes, bad bucket names and prefixes that climb', () => {
    const refused: [string, RegExp][] = [
      ['http://example.com/media', /must start with s3:\/\/ or gs:\/\/, not http:\/\//],
      ['s3://', /"" is not a valid S3 bucket name/],
      ['s3://Media', /"Media" is not a valid S3 bucket name/],
      ['s3://my_bucket', /"my_bucket" is not a valid S3 bucket name/],
      ['s3://media/a/../b', /may not hold empty, "\." or "\.\." segments/],
      ['gs://media/./b', /may not hold empty/],
      ['s3://media/a//b', /may not hold empty/],
    ];
    for (const [value, message] of refused)
      assert.throws(
        () => parseStorageLocation(value),
        (err: Error) => err instanceof ValidationError && message.test(err.message),
        value,
      );
  });

  it('refuses credentials in the URL without repeating them', () => {
    assert.throws(
      () => parseStorageLocation('s3://AKIAEXAMPLE:wJalrXUtnFEMI@media/in'),
      (err: Error) => /take no credentials/.test(err.message) && !err.message.includes('AKIAEXAMPLE') && !err.message.includes('wJalr'),
    );
  });

  it('describes a root by its URL or path', () => {
    assert.equal(describeLocation(parseStorageLocation('s3://media/in')), 's3://media/in/');
    assert.equal(describeLocation(parseStorageLocation('gs://media')), 'gs://media/');
    assert.equal(describeLocation(parseStorageLocation('/srv/in')), '/srv/in');
  });
});
