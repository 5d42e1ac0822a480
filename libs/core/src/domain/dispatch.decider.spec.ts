import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { DispatchPausedSchema, DispatchResumedSchema } from '@mpr/contracts/dispatch_pb';
import { fold } from './decider';
import { given, lifecycleSuite, type LifecycleRow } from './decider.testing';
import { IllegalTransition, ValidationError } from '../errors/domain.errors';
import { DISPATCH_AGGREGATE, type DispatchCommand, dispatchDecider, type DispatchEvent, MAX_PAUSE_REASON_LENGTH } from './dispatch.decider';

// Events.
const paused = (reason = 'maintenance', origin = 'graphql'): DispatchEvent => ({
  case: 'dispatchPaused',
  value: create(DispatchPausedSchema, { reason, origin }),
});
const resumed = (origin = 'graphql'): DispatchEvent => ({ case: 'dispatchResumed', value: create(DispatchResumedSchema, { origin }) });

// Commands.
const pause = (reason = 'maintenance', origin: 'graphql' | 'nats' = 'graphql'): DispatchCommand => ({ type: 'PauseDispatch', reason, origin });
const resume = (origin: 'graphql' | 'nats' = 'graphql'): DispatchCommand => ({ type: 'ResumeDispatch', origin });

type StateName = 'RUNNING' | 'RUNNING (resumed)' | 'PAUSED';
const HISTORIES: Record<StateName, DispatchEvent[]> = {
  RUNNING: [],
  'RUNNING (resumed)': [paused(), resumed()],
  PAUSED: [paused()],
};

const LIFECYCLE: LifecycleRow<DispatchCommand, DispatchEvent, StateName>[] = [
  { command: pause(), verb: 'pause', legalIn: { RUNNING: [paused()], 'RUNNING (resumed)': [paused()] } },
  { command: resume(), verb: 'resume', legalIn: { PAUSED: [resumed()] } },
];

describe('dispatch decider', () => {
  lifecycleSuite(dispatchDecider, DISPATCH_AGGREGATE, HISTORIES, LIFECYCLE);

  it('a new deployment dispatches', () => assert.deepEqual(fold(dispatchDecider, []), { status: 'RUNNING', reason: '' }));

  it('pausing keeps the reason, trimmed, and where the command came from', () =>
    given(dispatchDecider)
      .when(pause('  disk full on the output share ', 'nats'))
      .then([paused('disk full on the output share', 'nats')]));

  it('pausing a paused dispatch names the pause in force', () =>
    given(dispatchDecider, [paused('disk full')])
      .when(pause('again'))
      .thenThrows(IllegalTransition, /^cannot pause dispatch jobs in state PAUSED: it is paused already \(disk full\)$/));

  it('resuming a running dispatch says it is not paused', () =>
    given(dispatchDecider)
      .when(resume())
      .thenThrows(IllegalTransition, /^cannot resume dispatch jobs in state RUNNING: it is not paused$/));

  it('refuses a reason longer than the limit, in any state', () => {
    const long = 'x'.repeat(MAX_PAUSE_REASON_LENGTH + 1);
    given(dispatchDecider)
      .when(pause(long))
      .thenThrows(ValidationError, /reason must be at most 500 characters/);
    given(dispatchDecider, [paused()])
      .when(pause(long))
      .thenThrows(ValidationError, /reason/);
  });

  it('the last event alone gives the state (what the scheduler reads)', () => {
    const history = [paused('a'), resumed(), paused('b')];
    assert.deepEqual(fold(dispatchDecider, history), fold(dispatchDecider, history.slice(-1)));
    assert.deepEqual(fold(dispatchDecider, [...history, resumed()]), fold(dispatchDecider, [resumed()]));
  });
});
