import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, BearerTokenCheck, type MediaUrlQuery, MediaUrlSigner } from '@mpr/core';

/** The media folders, and `derived`: previews and thumbnail strips the API makes (DerivedMediaService). */
export type MediaRootName = 'in' | 'out' | 'derived';

/** Where a media file can be fetched, and until when (null: no token is configured, the URL never expires). */
export interface MediaUrl {
  href: string;
  expiresAt: Date | null;
}

/** A signed URL that does not open the file it names (403): incomplete, malformed, tampered or expired. */
export class SignedUrlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignedUrlRefused';
  }
}

/**
 * The media door: hands out URLs of media files and decides who may fetch
 * one. With MPR_API_TOKEN set, a request opens a file with a signed URL for
 * that very file (what a `<video>` tag can use) or with the bearer token
 * (what a script sends); unset, every file is open and URLs are plain.
 */
@Injectable()
export class MediaUrlService {
  private readonly signer?: MediaUrlSigner;
  private readonly bearer: BearerTokenCheck;
  /** What `/media/` of this API is reachable as: MEDIA_BASE_URL (an ingress, a CDN), else a path on the API's origin. */
  private readonly base: string;
  private readonly ttlSeconds: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.signer = config.MPR_API_TOKEN ? new MediaUrlSigner(config.MPR_API_TOKEN) : undefined;
    this.bearer = new BearerTokenCheck(config.MPR_API_TOKEN);
    this.base = config.MEDIA_BASE_URL ? config.MEDIA_BASE_URL.replace(/\/*$/, '/') : '/media/';
    this.ttlSeconds = config.MPR_MEDIA_URL_TTL_SECONDS;
  }

  urlFor(root: MediaRootName, relativePath: string, nowMs = Date.now()): MediaUrl {
    const href = `${this.base}${root}/${relativePath.split('/').map(encodeURIComponent).join('/')}`;
    if (!this.signer) return { href, expiresAt: null };
    const expires = MediaUrlSigner.expiryFor(nowMs, this.ttlSeconds);
    const signature = this.signer.sign(root, relativePath, expires);
    return { href: `${href}?expires=${expires}&signature=${signature}`, expiresAt: new Date(expires * 1000) };
  }

  /**
   * Throws Unauthenticated (no credential, a wrong token) or SignedUrlRefused
   * unless the request may read `root/relativePath` (the path as routed, decoded).
   */
  authorize(root: MediaRootName, relativePath: string, query: MediaUrlQuery, authorization: string | undefined, nowMs = Date.now()): void {
    if (!this.signer) return;
    if (query.expires === undefined && query.signature === undefined) {
      this.bearer.assert(authorization, 'a media file without a signed URL (MediaAsset.fileUrl, TranscodeJob.outputUrl)');
      return;
    }
    const refusal = this.signer.check(root, relativePath, query, nowMs);
    if (refusal) throw new SignedUrlRefused(refusal.message);
  }
}
