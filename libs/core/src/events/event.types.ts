import type { Event } from '@mpr/contracts/events_pb';

/** `dispatch` has one instance (DISPATCH_AGGREGATE): whether the scheduler hands out work. */
export type AggregateType = 'job' | 'asset' | 'preset' | 'dispatch';
export const AGGREGATE_TYPES: readonly AggregateType[] = ['job', 'asset', 'preset', 'dispatch'];

export interface AggregateRef {
  type: AggregateType;
  id: string;
}

/** Every domain event: the `data` oneof of the contracts' Event envelope. */
export type DomainEvent = Exclude<Event['data'], { case: undefined }>;
export type DomainEventCase = DomainEvent['case'];

/** A domain event as read back from MPR_EVENTS. */
export interface StoredEvent<E extends DomainEvent = DomainEvent> {
  /** Stream sequence: the aggregate's version after this event. */
  sequence: number;
  id: string;
  type: string;
  aggregate: AggregateRef;
  occurredAt: Date;
  commandId: string;
  event: E;
}

/** "JobCreated" for { case: 'jobCreated' }: the name in payloads and headers. */
export function eventTypeName(event: DomainEvent): string {
  return event.case.charAt(0).toUpperCase() + event.case.slice(1);
}
