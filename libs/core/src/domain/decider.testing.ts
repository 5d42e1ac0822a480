import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IllegalTransition, NotFound } from '../errors/domain.errors';
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

/** One command of a lifecycle table: what it appends in the states that allow it ([]: allowed, changes nothing); refused in all others. */
export interface LifecycleRow<Command, Event, StateName extends string> {
  readonly command: Command;
  /** The verb its refusal names: `cannot <verb> job job-1 in state COMPLETED`. */
  readonly verb: string;
  readonly legalIn: Partial<Record<StateName, readonly Event[]>>;
}

/**
 * Every command in every state, one test each, from a table: in a state that
 * allows it, the events it appends; in NONE, NotFound; elsewhere
 * IllegalTransition naming the verb, the aggregate and the state. A state's
 * name may carry a note after a space (`ACTIVE (builtin)`): the refusal names
 * the status before it.
 */
export function lifecycleSuite<Command extends { type: string }, Event extends DomainEvent, State, StateName extends string>(
  decider: Decider<Command, Event, State>,
  aggregate: { readonly type: string; readonly id: string },
  histories: Record<StateName, readonly Event[]>,
  table: readonly LifecycleRow<Command, Event, StateName>[],
): void {
  describe('lifecycle: every command in every state', () => {
    for (const [name, history] of Object.entries(histories) as [StateName, Event[]][]) {
      const status = name.split(' ')[0];
      describe(`in state ${name}`, () => {
        for (const { command, verb, legalIn } of table) {
          const events = legalIn[name];
          if (events) {
            it(`${command.type} → ${events.map((e) => e.case).join(', ') || 'nothing'}`, () => given(decider, history).when(command).then(events));
          } else if (status === 'NONE') {
            it(`${command.type} → NotFound`, () =>
              given(decider, history)
                .when(command)
                .thenThrows(NotFound, new RegExp(`^${aggregate.type} ${aggregate.id} not found$`)));
          } else {
            it(`${command.type} → IllegalTransition`, () =>
              given(decider, history)
                .when(command)
                .thenThrows(IllegalTransition, new RegExp(`^cannot ${verb} ${aggregate.type} ${aggregate.id} in state ${status}\\b`)));
          }
        }
      });
    }
  });
}
