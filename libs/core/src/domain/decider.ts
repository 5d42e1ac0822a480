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

/** One handler per command type: a type with no handler does not compile. */
export type CommandHandlers<Command extends { type: string }, Event extends DomainEvent, State> = {
  [Type in Command['type']]: (command: Extract<Command, { type: Type }>, state: State) => Event[];
};

/** A decider whose `decide` hands each command to the handler of its type (the one routing every aggregate shares). */
export function deciderOf<Command extends { type: string }, Event extends DomainEvent, State>(
  initialState: State,
  evolve: (state: State, event: Event) => State,
  handlers: CommandHandlers<Command, Event, State>,
): Decider<Command, Event, State> {
  return {
    initialState,
    evolve,
    decide(command, state) {
      const handler = handlers[command.type as Command['type']] as ((command: Command, state: State) => Event[]) | undefined;
      if (!handler) throw new Error(`unhandled case: ${JSON.stringify(command)}`);
      return handler(command, state);
    },
  };
}

/** One handler per event case, given the event's value: a case with no handler does not compile. */
export type EventHandlers<Event extends DomainEvent, State> = {
  [Case in Event['case']]: (state: State, value: Extract<Event, { case: Case }>['value']) => State;
};

/** An `evolve` that hands each event to the handler of its case (what every aggregate's fold shares). */
export function evolverOf<Event extends DomainEvent, State>(handlers: EventHandlers<Event, State>): (state: State, event: Event) => State {
  return (state, event) => {
    const handler = handlers[event.case as Event['case']] as ((state: State, value: Event['value']) => State) | undefined;
    if (!handler) throw new Error(`unhandled case: ${JSON.stringify(event.case)}`);
    return handler(state, event.value);
  };
}
