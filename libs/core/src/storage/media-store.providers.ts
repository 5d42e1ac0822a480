import { join } from 'node:path';
import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../config/config.schema';
import { MEDIA_IN_ROOT, MEDIA_OUT_ROOT } from '../execution/media.tokens';
import { type MediaStoreOptions, openMediaStore } from './media-store.factory';
import { ScratchSweeper } from './scratch-sweep';

/** The MediaStores of MEDIA_IN (sources) and MEDIA_OUT (outputs). */
export const MEDIA_IN_STORE = Symbol('MEDIA_IN_STORE');
export const MEDIA_OUT_STORE = Symbol('MEDIA_OUT_STORE');

/** How every process opens its roots (openMediaStore): the S3 endpoint settings and `<MPR_DATA_DIR>/scratch`. */
export function mediaStoreOptions(config: AppConfig): MediaStoreOptions {
  return { endpoint: config.S3_ENDPOINT, forcePathStyle: config.S3_FORCE_PATH_STYLE, scratchDir: join(config.MPR_DATA_DIR, 'scratch') };
}

/**
 * Both roots' stores, and their local work folders as MEDIA_IN_ROOT / MEDIA_OUT_ROOT (the roots themselves when
 * they are local): what a service that reads or writes media provides.
 */
export function mediaStoreProviders(config: AppConfig): Provider[] {
  const options = mediaStoreOptions(config);
  const stores = { in: openMediaStore('in', config.MEDIA_IN, options), out: openMediaStore('out', config.MEDIA_OUT, options) };
  const buckets = stores.in.location.kind !== 'local' || stores.out.location.kind !== 'local';
  return [
    // Only bucket roots use scratch space: what a killed process left there goes when the next one starts.
    ...(buckets
      ? [{ provide: ScratchSweeper, useFactory: () => new ScratchSweeper(options.scratchDir, config.MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS * 1000) }]
      : []),
    { provide: MEDIA_IN_STORE, useValue: stores.in },
    { provide: MEDIA_OUT_STORE, useValue: stores.out },
    { provide: MEDIA_IN_ROOT, useValue: stores.in.workRoot },
    { provide: MEDIA_OUT_ROOT, useValue: stores.out.workRoot },
  ];
}
