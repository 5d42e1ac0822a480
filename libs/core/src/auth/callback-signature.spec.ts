import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { CallbackSecret, jobCallbackToken, signCallback, verifyCallback } from './callback-signature';

const SECRET = 'a-callback-secret-of-at-least-32-chars';
const JOB = '7b0c3a52-5f0e-4c1e-9d7a-0c8f6f1f2a10';
const BODY = Buffer.from('{"attempt":1,"status":"completed","outputPath":"clip_720p.mp4"}');

const hmacHex = (key: string, message: string | Buffer) => createHmac('sha256', key).update(message).digest('hex');
const header = (token: string, body: Buffer) => `sha256=${signCallback(token, body)}`;

describe('callback signature', () => {
  it('derives the per-job token and the body signature with HMAC-SHA256', () => {
    const token = hmacHex(SECRET, JOB);
    assert.equal(jobCallbackToken(SECRET, JOB), token);
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(signCallback(token, BODY), hmacHex(token, BODY));
  });

  it('accepts the body signed with its job token and returns the signature', () => {
    const hex = signCallback(jobCallbackToken(SECRET, JOB), BODY);
    assert.equal(verifyCallback(SECRET, JOB, BODY, `sha256=${hex}`), hex);
    assert.equal(verifyCallback(SECRET, JOB, BODY, `sha256=${hex.toUpperCase()}`), hex);
  });

  it('refuses a signature made with another job token', () => {
    const otherToken = jobCallbackToken(SECRET, 'another-job');
    assert.equal(verifyCallback(SECRET, JOB, BODY, header(otherToken, BODY)), undefined);
  });

  it('refuses a tampered body', () => {
    const token = jobCallbackToken(SECRET, JOB);
    const tampered = Buffer.from(BODY.toString().replace('"attempt":1', '"attempt":2'));
    assert.equal(verifyCallback(SECRET, JOB, tampered, header(token, BODY)), undefined);
  });

  it('refuses a signature made with another secret', () => {
    const token = jobCallbackToken('another-secret-of-at-least-32-characters', JOB);
    assert.equal(verifyCallback(SECRET, JOB, BODY, header(token, BODY)), undefined);
  });

  it('refuses a missing or malformed header', () => {
    const hex = signCallback(jobCallbackToken(SECRET, JOB), BODY);
    for (const value of [undefined, '', hex, `sha1=${hex}`, `sha256=${hex.slice(2)}`, `sha256=${hex}00`, `sha256=${'z'.repeat(64)}`]) {
      assert.equal(verifyCallback(SECRET, JOB, BODY, value), undefined, String(value));
    }
  });

  it('uses MPR_CALLBACK_SECRET when set, else one random key for the whole process', () => {
    assert.equal(new CallbackSecret({ MPR_CALLBACK_SECRET: SECRET }).tokenFor(JOB), jobCallbackToken(SECRET, JOB));
    const first = new CallbackSecret({ MPR_CALLBACK_SECRET: undefined });
    const second = new CallbackSecret({ MPR_CALLBACK_SECRET: undefined });
    assert.equal(first.tokenFor(JOB), second.tokenFor(JOB));
    assert.notEqual(first.tokenFor(JOB), jobCallbackToken(SECRET, JOB));
  });
});
