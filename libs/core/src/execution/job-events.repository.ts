import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeEvent } from '../events/event.codec';
import type { DomainEvent } from '../events/event.types';
import { EVENT_TYPE_HEADER } from '../events/event-store';
import { NATS_CONNECTION } from '../core.tokens';
import { StreamNames } from '../events/streams';

/**
 * Job events as they are appended, through a plain NATS subscription: JetStream
 * hands each message it stores to plain subscribers too. Nothing is replayed,
 * which is right for "stop what you are doing now" signals such as a cancel.
 */
@Injectable()
export class JobEventsRepository {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly names: StreamNames,
  ) {}

  /** Calls `listener` with each new job event whose type (e.g. "JobCancelled") is listed. */
  onJobEvents(types: readonly string[], listener: (event: DomainEvent) => void, onError: (err: Error) => void): { stop(): void } {
    const subscription = this.nc.subscribe(`${this.names.subjectRoot}.events.job.*`, {
      callback: (err, msg) => {
        if (err) return onError(err);
        // The header spares decoding the events nobody listens to.
        if (!types.includes(msg.headers?.get(EVENT_TYPE_HEADER) ?? '')) return;
        try {
          listener(decodeEvent(msg.string()).event);
        } catch (decodeError) {
          onError(decodeError as Error);
        }
      },
    });
    return { stop: () => subscription.unsubscribe() };
  }
}
