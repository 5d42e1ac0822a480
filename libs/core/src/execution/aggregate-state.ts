import type { AggregateRef, DomainEvent } from '../events/event.types';
import { type Decider, fold } from '../domain/decider';
import type { EventStore } from '../events/event-store';

/**
 * An aggregate's current state, and the version to expect when appending a
 * decision taken on it. With `upTo` (a version read earlier), the state as it
 * was then: later events are left out.
 */
export async function loadState<C, E extends DomainEvent, S>(
  store: EventStore,
  aggregate: AggregateRef,
  decider: Decider<C, E, S>,
  options: { upTo?: number } = {},
): Promise<{ state: S; version: number }> {
  const loaded = await store.load(aggregate);
  const { upTo } = options;
  if (upTo === undefined)
    return {
      state: fold(
        decider,
        loaded.events.map((e) => e.event as E),
      ),
      version: loaded.version,
    };
  const events = loaded.events.filter((e) => e.sequence <= upTo);
  return {
    state: fold(
      decider,
      events.map((e) => e.event as E),
    ),
    version: events.at(-1)?.sequence ?? 0,
  };
}
