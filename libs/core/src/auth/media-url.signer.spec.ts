import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaUrlSigner } from './media-url.signer';

const NOW = Date.UTC(2026, 11, 2, 8, 0, 30);
const signer = new MediaUrlSigner('signer-test-token-0123456789');

describe('MediaUrlSigner', () => {
  it('rounds the expiry up to a minute, so a URL lives at least its TTL and stays the same within the minute', () => {
    const expires = MediaUrlSigner.expiryFor(NOW, 3600);
    assert.equal(expires % 60, 0);
    assert.ok(expires * 1000 >= NOW + 3600_000 && expires * 1000 < NOW + 3660_000);
    assert.equal(MediaUrlSigner.expiryFor(NOW + 20_000, 3600), expires);
  });

  it('opens the signed file until its expiry, and not at or after it', () => {
    const expires = MediaUrlSigner.expiryFor(NOW, 600);
    const query = { expires: String(expires), signature: signer.sign('in', 'a/b c.mp4', expires) };
    assert.equal(signer.check('in', 'a/b c.mp4', query, NOW), undefined);
    assert.equal(signer.check('in', 'a/b c.mp4', query, expires * 1000 - 1), undefined);
    assert.equal(signer.check('in', 'a/b c.mp4', query, expires * 1000)?.reason, 'expired');
  });

  it('binds the root, the path, the expiry and the token', () => {
    const expires = 1_800_000_000;
    const base = signer.sign('in', 'clip.mp4', expires);
    assert.match(base, /^[\w-]{43}$/);
    assert.equal(signer.sign('in', 'clip.mp4', expires), base, 'deterministic');
    for (const other of [
      signer.sign('out', 'clip.mp4', expires),
      signer.sign('in', 'clip.mp4 ', expires),
      signer.sign('in', 'Clip.mp4', expires),
      signer.sign('in', 'clip.mp4', expires + 1),
      new MediaUrlSigner('signer-test-token-0123456788').sign('in', 'clip.mp4', expires),
    ]) {
      assert.notEqual(other, base);
    }
  });

  it('keeps the parts apart whatever a name holds', () => {
    // Were the parts joined by a newline, these two would sign the same text.
    assert.notEqual(signer.sign('in', 'a\nout', 5), signer.sign('in\na', 'out', 5));
  });

  it('names what is wrong, checking the signature before the expiry', () => {
    const expires = Math.floor(NOW / 1000) - 60;
    const signature = signer.sign('in', 'clip.mp4', expires);
    const reason = (query: Record<string, unknown>) => signer.check('in', 'clip.mp4', query, NOW)?.reason;
    assert.equal(reason({ expires: String(expires), signature }), 'expired');
    assert.equal(reason({ expires: String(expires + 7200), signature }), 'tampered', 'a pushed-back expiry is tampering, not a fresh URL');
    assert.equal(reason({ expires: String(expires) }), 'incomplete');
    assert.equal(reason({ signature }), 'incomplete');
    assert.equal(reason({ expires: '1e12', signature }), 'malformed');
    assert.equal(reason({ expires: [String(expires)], signature }), 'malformed');
    assert.equal(reason({ expires: String(expires), signature: `${signature}=` }), 'malformed');
  });
});
