import { fromJson, type JsonValue, toJson } from '@bufbuild/protobuf';
import { z } from 'zod';
import { type MediaProbe, MediaProbeSchema } from '@mpr/contracts/asset_pb';
import { type PresetSettings, PresetSettingsSchema } from '@mpr/contracts/preset_pb';
import type { JobState } from '../domain/job.decider';
import { ValidationError } from '../errors/domain.errors';
import { MediaRoot } from '../media/media-root';
import type { RunnableInputs } from './transcode-planner.service';

/**
 * What a cloud executor (a Step Functions execution's Lambda, a Cloud Run
 * Job's task) is handed for one job attempt: everything the one-shot entry
 * needs to run the same plan a local transcoder would, without NATS or the
 * database. Paths are relative to the media roots, so the payload means the
 * same wherever the roots live. The callback token signs reports for this
 * job only.
 */
export interface CloudJobPayload {
  readonly jobId: string;
  readonly attempt: number;
  readonly source: { readonly root: 'in' | 'out'; readonly path: string };
  /** Relative to MEDIA_OUT: the job's outputFilename. */
  readonly outputPath: string;
  readonly trim: { readonly start?: number; readonly end?: number };
  readonly preset: PresetSettings;
  readonly probe: MediaProbe;
  /** `POST <url>` with `X-MPR-Signature: sha256=HMAC(token, body)`. */
  readonly callback: { readonly url: string; readonly token: string };
}

/** Where a Cloud Run execution's overrides put the payload for the one-shot entry. */
export const CLOUD_JOB_PAYLOAD_ENV = 'MPR_JOB_PAYLOAD';

type Job = Pick<JobState, 'jobId' | 'attempt' | 'outputFilename' | 'trimStart' | 'trimEnd'>;

export function cloudJobPayload(job: Job, inputs: RunnableInputs, source: CloudJobPayload['source'], callback: CloudJobPayload['callback']): CloudJobPayload {
  return {
    jobId: job.jobId,
    attempt: job.attempt,
    source,
    outputPath: job.outputFilename,
    trim: { start: job.trimStart, end: job.trimEnd },
    preset: inputs.preset,
    probe: inputs.probe,
    callback,
  };
}

/** The payload as JSON text: protobuf JSON for the preset and the probe, as everywhere on the wire. */
export function encodeCloudJobPayload(payload: CloudJobPayload): string {
  return JSON.stringify({
    ...payload,
    preset: toJson(PresetSettingsSchema, payload.preset),
    probe: toJson(MediaProbeSchema, payload.probe),
  });
}

const relativePath = z
  .string()
  .min(1)
  .superRefine((path, ctx) => {
    try {
      MediaRoot.assertRelative(path);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

const payloadShape = z.object({
  jobId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a job id'),
  attempt: z.number().int().min(1),
  source: z.object({ root: z.enum(['in', 'out']), path: relativePath }),
  outputPath: relativePath,
  trim: z.object({ start: z.number().min(0).optional(), end: z.number().min(0).optional() }),
  preset: z.record(z.string(), z.unknown()),
  probe: z.record(z.string(), z.unknown()),
  callback: z.object({ url: z.url({ protocol: /^https?$/ }), token: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits') }),
});

/** Parses what encodeCloudJobPayload wrote (or a Lambda event, already parsed); a ValidationError names what is wrong. */
export function decodeCloudJobPayload(input: string | unknown): CloudJobPayload {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (err) {
      throw new ValidationError(`the job payload is not JSON: ${(err as Error).message}`, 'payload');
    }
  }
  const parsed = payloadShape.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`invalid job payload: ${z.prettifyError(parsed.error)}`, 'payload');
  const { preset, probe, ...rest } = parsed.data;
  try {
    return {
      ...rest,
      preset: fromJson(PresetSettingsSchema, preset as JsonValue),
      probe: fromJson(MediaProbeSchema, probe as JsonValue),
    };
  } catch (err) {
    throw new ValidationError(`invalid job payload: ${(err as Error).message}`, 'payload');
  }
}
