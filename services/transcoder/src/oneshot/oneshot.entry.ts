import { decodeCloudJobPayload, FfmpegRepository, FfprobeRepository, loadConfig, MediaRoot } from '@mpr/core';
import { CallbackClient } from './callback.client';
import { LocalOneShotMedia } from './oneshot-media';
import { type OneShotOutcome, runOneShot } from './oneshot.runner';

/** Same as a transcoder's: ffmpeg silent this long is stopped. */
const STALL_TIMEOUT_MS = 60_000;
const PROGRESS_INTERVAL_MS = 1_000;

/**
 * What the Lambda handler and the Cloud Run container both run: the payload
 * (a Lambda event, or the JSON text of MPR_JOB_PAYLOAD) and the media roots
 * from the environment (MEDIA_IN, MEDIA_OUT, validated as every service's).
 */
export function runOneShotPayload(input: unknown, env: NodeJS.ProcessEnv = process.env): Promise<OneShotOutcome> {
  const config = loadConfig(env);
  const payload = decodeCloudJobPayload(input);
  return runOneShot(payload, {
    media: new LocalOneShotMedia(new MediaRoot('in', config.MEDIA_IN), new MediaRoot('out', config.MEDIA_OUT)),
    callback: new CallbackClient(payload.callback),
    ffmpeg: new FfmpegRepository(),
    ffprobe: new FfprobeRepository(),
    stallTimeoutMs: STALL_TIMEOUT_MS,
    progressIntervalMs: PROGRESS_INTERVAL_MS,
  });
}
