import { createHmac, timingSafeEqual } from 'node:crypto';

/** The query parameters of a signed media URL: `?expires=<unix seconds>&signature=<base64url HMAC>`. */
export interface MediaUrlQuery {
  expires?: unknown;
  signature?: unknown;
}

/** Why a signed media URL does not open its file; the message is safe to send to the caller. */
export interface MediaUrlRefusal {
  reason: 'incomplete' | 'malformed' | 'tampered' | 'expired';
  message: string;
}

/** The expiry is rounded up to this step, so the same file keeps the same URL for a while (a player is not reloaded). */
const EXPIRY_STEP_SECONDS = 60;

/** A signature is the 32 bytes of HMAC-SHA256 in base64url: 43 characters. */
const SIGNATURE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Signs and checks media URLs, so a `<video>` tag (which sends no headers)
 * can open one file for a while. The signature covers the root, the path and
 * the expiry, so a URL opens only its own file, only until it expires.
 *
 * The key is derived from MPR_API_TOKEN (no second secret to manage): an
 * HMAC of a fixed label, so a signature never reveals the token, and a new
 * token ends every URL signed with the old one.
 */
export class MediaUrlSigner {
  private readonly key: Buffer;

  constructor(apiToken: string) {
    this.key = createHmac('sha256', apiToken).update('mpr media url v1').digest();
  }

  /** The expiry (unix seconds) of a URL signed at `nowMs` to live at least `ttlSeconds`. */
  static expiryFor(nowMs: number, ttlSeconds: number): number {
    return Math.ceil((nowMs / 1000 + ttlSeconds) / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS;
  }

  /** The base64url signature of `root/relativePath` until `expires` (unix seconds). */
  sign(root: string, relativePath: string, expires: number): string {
    // JSON keeps the three parts apart whatever the file's name holds.
    return createHmac('sha256', this.key)
      .update(JSON.stringify([root, relativePath, expires]))
      .digest('base64url');
  }

  /** Undefined when the query signs `root/relativePath` and has not expired at `nowMs`; otherwise why not. */
  check(root: string, relativePath: string, query: MediaUrlQuery, nowMs: number): MediaUrlRefusal | undefined {
    const { expires, signature } = query;
    if (expires === undefined || signature === undefined) {
      return { reason: 'incomplete', message: 'a signed media URL needs both "expires" and "signature"; ask the API for a fresh one' };
    }
    if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires)) {
      return { reason: 'malformed', message: '"expires" must be a time in unix seconds' };
    }
    if (typeof signature !== 'string' || !SIGNATURE_SHAPE.test(signature)) {
      return { reason: 'malformed', message: '"signature" must be 43 base64url characters' };
    }
    const expected = Buffer.from(this.sign(root, relativePath, Number(expires)));
    // Checked before the expiry: a changed "expires" is a tampered URL, not an expired one.
    if (!timingSafeEqual(Buffer.from(signature), expected)) {
      return { reason: 'tampered', message: 'the signature does not match this file and expiry' };
    }
    if (Number(expires) * 1000 <= nowMs) {
      return { reason: 'expired', message: `this signed URL expired at ${new Date(Number(expires) * 1000).toISOString()}; ask the API for a fresh one` };
    }
    return undefined;
  }
}
