import { randomUUID } from 'node:crypto';
import type { EventStore } from '../events/event-store';
import type { AggregateRef, DomainEvent } from '../events/event.types';
import { ConcurrencyConflict } from '../errors/domain.errors';
import { type Decider, fold } from './decider';

export interface HandleOptions {
  /** Give the same id when retrying a command whose outcome is unknown. */
  commandId?: string;
  now?: Date;
  /** Conflicts tolerated before giving up with ConcurrencyConflict. */
  maxAttempts?: number;
}

export interface HandleResult<State, Event> {
  state: State;
  version: number;
  /** What this command appended (or had appended, when replayed). */
  events: Event[];
  /** How often another writer got there first. */
  conflicts: number;
  /** True when the command id was already in the log: nothing new was written. */
  replayed: boolean;
}

/**
 * load → fold → decide → append expecting the version read; on a conflict,
 * read again and decide again. A command id found in the log means an earlier
 * try succeeded: its outcome is returned instead of appending twice.
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  aggregate: AggregateRef,
  decider: Decider<Command, Event, State>,
  command: Command,
  options: HandleOptions = {},
): Promise<HandleResult<State, Event>> {
  const commandId = options.commandId ?? randomUUID();
  const maxAttempts = options.maxAttempts ?? 30;
  for (let conflicts = 0; ; conflicts++) {
    const { events: stored, version } = await store.load(aggregate);
    const all = stored.map((e) => e.event as Event);
    const state = fold(decider, all);
    const ours = stored.filter((e) => e.commandId === commandId).map((e) => e.event as Event);
    if (ours.length > 0) return { state, version, events: ours, conflicts, replayed: true };

    const events = decider.decide(command, state);
    if (events.length === 0) return { state, version, events, conflicts, replayed: false };
    try {
      const newVersion = await store.append(aggregate, events, { expectedVersion: version, commandId, now: options.now ?? new Date() });
      return { state: events.reduce(decider.evolve, state), version: newVersion, events, conflicts, replayed: false };
    } catch (err) {
      if (!(err instanceof ConcurrencyConflict) || conflicts + 1 >= maxAttempts) throw err;
      // Jittered backoff so that a crowd of writers spreads out instead of colliding again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** conflicts)));
    }
  }
}
