import { Inject, Injectable } from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { JobProgressSchema } from '@mpr/contracts/job_pb';
import { JETSTREAM_CLIENT } from '../core.tokens';
import { publishJobProgress } from '../work/job-progress';
import { StreamNames } from '../events/streams';

/** Live progress on MPR_TELEMETRY: what dashboards show, and the scheduler's heartbeat of a running job. */
@Injectable()
export class JobTelemetryRepository {
  constructor(
    @Inject(JETSTREAM_CLIENT) private readonly js: JetStreamClient,
    private readonly names: StreamNames,
  ) {}

  publishProgress(progress: MessageInitShape<typeof JobProgressSchema>): Promise<void> {
    return publishJobProgress(this.js, this.names, progress);
  }
}
