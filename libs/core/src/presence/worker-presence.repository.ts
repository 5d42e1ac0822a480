import { create, type MessageInitShape, toJsonString } from '@bufbuild/protobuf';
import { Inject, Injectable } from '@nestjs/common';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { WorkerPresenceSchema } from '@mpr/contracts/gateway_pb';
import { NATS_CONNECTION } from '../core.tokens';
import { StreamNames } from '../events/streams';

/** Worker presence on MPR_TELEMETRY (last value per worker), in the protobuf JSON mapping. */
@Injectable()
export class WorkerPresenceRepository {
  private readonly js: JetStreamClient;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly names: StreamNames,
  ) {
    this.js = jetstream(nc);
  }

  async publish(presence: MessageInitShape<typeof WorkerPresenceSchema>): Promise<void> {
    const message = create(WorkerPresenceSchema, presence);
    await this.js.publish(this.names.workerPresenceSubject(message.workerId), toJsonString(WorkerPresenceSchema, message));
  }
}
