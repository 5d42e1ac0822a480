import type { AggregateRef, DomainEvent } from '../events/event.types';
import { type Decider, fold } from '../domain/decider';
import type { EventStore } from '../events/event-store';

/** An aggregate's current state, and the version to expect when appending a decision taken on it. */
export async function loadState<C, E extends DomainEvent, S>(
  store: EventStore,
  aggregate: AggregateRef,
  decider: Decider<C, E, S>,
): Promise<{ state: S; version: number }> {
  const { events, version } = await store.load(aggregate);
  return { state: fold(decider, events.map((e) => e.event as E)), version };
}
