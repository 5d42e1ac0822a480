import { create, fromJsonString, toJsonString } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EventSchema } from '@mpr/contracts/events_pb';
import { AGGREGATE_TYPES, type AggregateRef, type AggregateType, type DomainEvent, eventTypeName } from './event.types';

export interface EventMeta {
  id: string;
  aggregate: AggregateRef;
  occurredAt: Date;
  commandId: string;
}

/** The protobuf JSON mapping of the envelope: what operators see with `nats sub`. */
export function encodeEvent(event: DomainEvent, meta: EventMeta): string {
  const envelope = create(EventSchema, {
    id: meta.id,
    type: eventTypeName(event),
    aggregateType: meta.aggregate.type,
    aggregateId: meta.aggregate.id,
    occurredAt: timestampFromDate(meta.occurredAt),
    commandId: meta.commandId,
    data: event,
  });
  return toJsonString(EventSchema, envelope);
}

export function decodeEvent(json: string): { event: DomainEvent } & EventMeta & { type: string } {
  const envelope = fromJsonString(EventSchema, json, { ignoreUnknownFields: true });
  if (envelope.data.case === undefined) {
    throw new Error(`event ${envelope.id} (${envelope.type}) has no data this build understands`);
  }
  if (!AGGREGATE_TYPES.includes(envelope.aggregateType as AggregateType)) {
    throw new Error(`event ${envelope.id} names unknown aggregate type "${envelope.aggregateType}"`);
  }
  return {
    id: envelope.id,
    type: envelope.type,
    aggregate: { type: envelope.aggregateType as AggregateType, id: envelope.aggregateId },
    occurredAt: envelope.occurredAt ? timestampDate(envelope.occurredAt) : new Date(0),
    commandId: envelope.commandId,
    event: envelope.data,
  };
}
