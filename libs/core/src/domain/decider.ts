import type { DomainEvent } from '../events/event.types';

/**
 * An aggregate as pure functions (the "decider" pattern): fold its events
 * into state with `evolve`, answer a command with new events from `decide`.
 * `decide` throws a DomainError (IllegalTransition, ValidationError) for a
 * command the state does not allow, returns [] for one that changes nothing.
 * Time is passed in with the command, never read from a clock.
 */
export interface Decider<Command, Event extends DomainEvent, State> {
  initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

export function fold<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState;
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

/** Compile-time proof that a switch handled every case. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
