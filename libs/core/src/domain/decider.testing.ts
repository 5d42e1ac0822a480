import assert from 'node:assert/strict';
import type { DomainEvent } from '../events/event.types';
import { type Decider, fold } from './decider';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Given/when/then over a decider: fold the given events into state, decide
 * the command, then assert the events it produced or the error it threw.
 *
 *   given(jobDecider, [created]).when(cancel).then([cancelled]);
 *   given(jobDecider, [created, completed]).when(cancel).thenThrows(IllegalTransition, /in state COMPLETED/);
 */
export function given<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>, events: readonly Event[] = []) {
  return {
    when(command: Command) {
      const decide = () => decider.decide(command, fold(decider, events));
      return {
        then(expected: readonly Event[]): void {
          assert.deepStrictEqual(decide(), expected);
        },
        thenThrows(errorClass: ErrorClass, message?: RegExp): void {
          assert.throws(decide, (err: unknown) => {
            assert.ok(err instanceof errorClass, `expected ${errorClass.name}, got ${String(err)}`);
            if (message) assert.match(err.message, message);
            return true;
          });
        },
      };
    },
  };
}
