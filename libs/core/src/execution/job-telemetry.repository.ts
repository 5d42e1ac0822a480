import { Inject, Injectable } from '@nestjs/common';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { JobProgressSchema } from '@mpr/contracts/job_pb';
import { NATS_CONNECTION } from '../core.tokens';
import { publishJobProgress } from '../work/job-progress';
import { StreamNames } from '../events/streams';

/** Live progress on MPR_TELEMETRY: what dashboards show, and the scheduler's heartbeat of a running job. */
@Injectable()
export class JobTelemetryRepository {
  private readonly js: JetStreamClient;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly names: StreamNames,
  ) {
    this.js = jetstream(nc);
  }

  publishProgress(progress: MessageInitShape<typeof JobProgressSchema>): Promise<void> {
    return publishJobProgress(this.js, this.names, progress);
  }
}
