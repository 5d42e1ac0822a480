import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../errors/domain.errors';
import { assertMediaKey } from './media-key';

describe('assertMediaKey', () => {
  it('takes keys relative to the root', () => {
    for (const key of ['a.mp4', 'clips/2026/a b.mov', 'dots..in-name.mkv', '.hidden.mp4']) assert.doesNotThrow(() => assertMediaKey(key), key);
  });

  it('refuses every way out of a root, naming what is wrong', () => {
    const refused: [string, RegExp][] = [
      ['', /empty or holds a NUL/],
      ['a\0b', /empty or holds a NUL/],
      ['/etc/passwd', /not absolute/],
      ['\\server\\share', /not absolute/],
      ['C:\\media\\a.mp4', /not absolute/],
      ['../other/a.mp4', /may not contain "\.\."/],
      ['clips/../../a.mp4', /may not contain "\.\."/],
      ['clips\\..\\a.mp4', /may not contain "\.\."/],
      ['s3://other-bucket/a.mp4', /not a URL/],
      ['gs://other/a.mp4', /not a URL/],
    ];
    for (const [key, message] of refused) {
      assert.throws(
        () => assertMediaKey(key),
        (err: Error) => err instanceof ValidationError && message.test(err.message),
        JSON.stringify(key),
      );
    }
  });
});
