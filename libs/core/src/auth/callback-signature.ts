import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../core.tokens';

/*
 * A cloud executor signs its completion callback with a token that covers its
 * own job only: token = HMAC-SHA256(secret, jobId), and the request carries
 * `X-MPR-Signature: sha256=<HMAC-SHA256(token, raw body)>`. A leaked token
 * thus lets no one report on any other job, and the secret never leaves the
 * platform.
 */

export const CALLBACK_SIGNATURE_HEADER = 'x-mpr-signature';

/** The per-job token handed to the executor (hex). */
export function jobCallbackToken(secret: string | Buffer, jobId: string): string {
  return createHmac('sha256', secret).update(jobId, 'utf8').digest('hex');
}

/** The hex signature of a callback body; the key is the token's text as handed out. */
export function signCallback(token: string, body: string | Buffer): string {
  return createHmac('sha256', token).update(body).digest('hex');
}

const SIGNATURE_HEADER_VALUE = /^sha256=([0-9a-f]{64})$/i;

/**
 * The signature (lower-case hex) when the header signs this body for this
 * job, else undefined. The comparison takes the same time wherever the bytes
 * differ, so the signature cannot be guessed byte by byte.
 */
export function verifyCallback(secret: string | Buffer, jobId: string, body: Buffer, header: string | undefined): string | undefined {
  const given = header === undefined ? null : SIGNATURE_HEADER_VALUE.exec(header.trim());
  if (!given) return undefined;
  const expected = Buffer.from(signCallback(jobCallbackToken(secret, jobId), body), 'hex');
  return timingSafeEqual(Buffer.from(given[1], 'hex'), expected) ? given[1].toLowerCase() : undefined;
}

/**
 * Without MPR_CALLBACK_SECRET, one random key serves the whole process, so
 * the scheduler that hands out tokens and the API that checks them agree
 * when they run together.
 */
let processKey: Buffer | undefined;

@Injectable()
export class CallbackSecret {
  readonly key: string | Buffer;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'MPR_CALLBACK_SECRET'>) {
    this.key = config.MPR_CALLBACK_SECRET ?? (processKey ??= randomBytes(32));
  }

  tokenFor(jobId: string): string {
    return jobCallbackToken(this.key, jobId);
  }
}
