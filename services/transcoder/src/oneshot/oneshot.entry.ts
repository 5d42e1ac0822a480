import { decodeCloudJobPayload, FfmpegRepository, FfprobeRepository, loadConfig, mediaStoreOptions, openMediaStore } from '@mpr/core';
import { CallbackClient } from './callback.client';
import { StoreOneShotMedia } from './oneshot-media';
import { type OneShotOutcome, runOneShot } from './oneshot.runner';

/** Same as a transcoder's: ffmpeg silent this long is stopped. */
const STALL_TIMEOUT_MS = 60_000;
const PROGRESS_INTERVAL_MS = 1_000;

/**
 * What the Lambda handler and the Cloud Run container both run: the payload
 * (a Lambda event, or the JSON text of MPR_JOB_PAYLOAD) and the media roots
 * from the environment (MEDIA_IN, MEDIA_OUT: folders, s3:// or gs://, validated as every service's; a bucket's
 * scratch space under MPR_DATA_DIR, which in a Lambda must be under /tmp).
 */
export async function runOneShotPayload(input: unknown, env: NodeJS.ProcessEnv = process.env): Promise<OneShotOutcome> {
  const config = loadConfig(env);
  // Folders or buckets, as every service opens them: a bad root stops here, by name, before the payload is read.
  const options = mediaStoreOptions(config);
  const media = new StoreOneShotMedia(openMediaStore('in', config.MEDIA_IN, options), openMediaStore('out', config.MEDIA_OUT, options));
  const payload = decodeCloudJobPayload(input);
  return runOneShot(payload, {
    media,
    callback: new CallbackClient(payload.callback),
    ffmpeg: new FfmpegRepository(),
    ffprobe: new FfprobeRepository(),
    stallTimeoutMs: STALL_TIMEOUT_MS,
    progressIntervalMs: PROGRESS_INTERVAL_MS,
  });
}
