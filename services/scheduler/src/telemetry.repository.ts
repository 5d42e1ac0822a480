import { Inject, Injectable } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeJobProgress, NATS_CONNECTION, StreamNames } from '@mpr/core';

export interface LatestProgress {
  attempt: number;
  /** When JetStream stored it (the server's clock). */
  at: Date;
}

/** MPR_TELEMETRY, read by the watchdog: the latest progress message of a job is its heartbeat. */
@Injectable()
export class TelemetryRepository {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly names: StreamNames,
  ) {}

  /** null when the job has published no progress within the stream's retention. */
  async latestProgress(jobId: string): Promise<LatestProgress | null> {
    // checkAPI off: no account round trip per call; the NATS connection already proved JetStream at boot.
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    const msg = await jsm.streams.getMessage(this.names.telemetry, { last_by_subj: this.names.jobProgressSubject(jobId) });
    if (!msg) return null;
    return { attempt: decodeJobProgress(msg.string()).attempt, at: msg.time };
  }
}
