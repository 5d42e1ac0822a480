import { create, type MessageInitShape, toJsonString } from '@bufbuild/protobuf';
import { Inject, Injectable } from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import { WorkerPresenceSchema } from '@mpr/contracts/gateway_pb';
import { JETSTREAM_CLIENT } from '../core.tokens';
import { StreamNames } from '../events/streams';

/** Worker presence on MPR_TELEMETRY (last value per worker), in the protobuf JSON mapping. */
@Injectable()
export class WorkerPresenceRepository {
  constructor(
    @Inject(JETSTREAM_CLIENT) private readonly js: JetStreamClient,
    private readonly names: StreamNames,
  ) {}

  async publish(presence: MessageInitShape<typeof WorkerPresenceSchema>): Promise<void> {
    const message = create(WorkerPresenceSchema, presence);
    await this.js.publish(this.names.workerPresenceSubject(message.workerId), toJsonString(WorkerPresenceSchema, message));
  }
}
