import { Inject, Injectable } from '@nestjs/common';
import { type NatsConnection, NoRespondersError, RequestError } from '@nats-io/nats-core';
import { HEALTH_PING_CHECK_MS, type HealthPingReply, NATS_CONNECTION, StreamNames } from '@mpr/core';

/** Replicas answer within their checks' bound; a little more for the round trip on a loaded machine. */
const GATHER_MS = HEALTH_PING_CHECK_MS + 500;

/** The health ping on NATS: one request, every replica's answer gathered for a fixed time. */
@Injectable()
export class ServiceHealthRepository {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly names: StreamNames,
  ) {}

  async ping(): Promise<HealthPingReply[]> {
    const replies: HealthPingReply[] = [];
    try {
      // No count to wait for: NATS cannot say how many replicas run, so the answers are those within the time.
      const answers = await this.nc.requestMany(this.names.healthSubject(), '', { strategy: 'timer', maxWait: GATHER_MS });
      for await (const msg of answers) replies.push(msg.json<HealthPingReply>());
    } catch (err) {
      // Nobody subscribed: every service is silent, which the caller reports per service.
      if (!(err instanceof NoRespondersError || (err instanceof RequestError && err.isNoResponders()))) throw err;
    }
    return replies;
  }
}
