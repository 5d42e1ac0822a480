import { ConfigError, decodeCloudJobPayload, FfmpegRepository, FfprobeRepository, LocalMediaStore, loadConfig, parseStorageLocation } from '@mpr/core';
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
export async function runOneShotPayload(input: unknown, env: NodeJS.ProcessEnv = process.env): Promise<OneShotOutcome> {
  const config = loadConfig(env);
  // The entry's media still goes through LocalOneShotMedia: a bucket root would be taken for a folder named "s3:".
  const unsupported = (['MEDIA_IN', 'MEDIA_OUT'] as const)
    .map((name) => [name, parseStorageLocation(config[name]).kind] as const)
    .filter(([, kind]) => kind !== 'local')
    .map(([name, kind]) => `${name} is a ${kind}:// root: the one-shot entry reads and writes mounted folders only so far (EFS, Cloud Storage FUSE)`);
  if (unsupported.length > 0) throw new ConfigError(unsupported);
  const payload = decodeCloudJobPayload(input);
  return runOneShot(payload, {
    media: new LocalOneShotMedia(new LocalMediaStore('in', config.MEDIA_IN), new LocalMediaStore('out', config.MEDIA_OUT)),
    callback: new CallbackClient(payload.callback),
    ffmpeg: new FfmpegRepository(),
    ffprobe: new FfprobeRepository(),
    stallTimeoutMs: STALL_TIMEOUT_MS,
    progressIntervalMs: PROGRESS_INTERVAL_MS,
  });
}
