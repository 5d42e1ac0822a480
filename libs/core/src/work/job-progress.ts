import { create, fromJsonString, type MessageInitShape, toJsonString } from '@bufbuild/protobuf';
import type { JetStreamClient } from '@nats-io/jetstream';
import { type JobProgress, JobProgressSchema } from '@mpr/contracts/job_pb';
import type { StreamNames } from '../events/streams';

/**
 * Live progress goes to MPR_TELEMETRY (latest value per job kept for an
 * hour), never to the permanent event log.
 */
export async function publishJobProgress(js: JetStreamClient, names: StreamNames, progress: MessageInitShape<typeof JobProgressSchema>): Promise<void> {
  const message = create(JobProgressSchema, progress);
  await js.publish(names.jobProgressSubject(message.jobId), toJsonString(JobProgressSchema, message));
}

export function decodeJobProgress(json: string): JobProgress {
  return fromJsonString(JobProgressSchema, json, { ignoreUnknownFields: true });
}
