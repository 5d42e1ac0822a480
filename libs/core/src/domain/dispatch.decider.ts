import { create } from '@bufbuild/protobuf';
import { DispatchPausedSchema, DispatchResumedSchema } from '@mpr/contracts/dispatch_pb';
import type { AggregateRef, DomainEvent } from '../events/event.types';
import { IllegalTransition, ValidationError } from '../errors/domain.errors';
import { deciderOf, evolverOf } from './decider';

/** The one dispatch switch of a deployment (subject `<root>.events.dispatch.jobs`). */
export const DISPATCH_AGGREGATE: AggregateRef = { type: 'dispatch', id: 'jobs' };

export const MAX_PAUSE_REASON_LENGTH = 500;

/** Where an operator's command came from, kept in the event for whoever reads the log later. */
export type DispatchOrigin = 'graphql' | 'nats';

export type DispatchCommand = { type: 'PauseDispatch'; reason: string; origin: DispatchOrigin } | { type: 'ResumeDispatch'; origin: DispatchOrigin };

export type DispatchEvent = Extract<DomainEvent, { case: 'dispatchPaused' | 'dispatchResumed' }>;

export type DispatchStatusName = 'RUNNING' | 'PAUSED';

export interface DispatchState {
  readonly status: DispatchStatusName;
  /** The reason given with the pause in force; '' while running. */
  readonly reason: string;
}

/** No event yet: a new deployment dispatches. */
export const initialDispatchState: DispatchState = { status: 'RUNNING', reason: '' };

/**
 * Each event sets the whole state, so the aggregate's last event alone gives
 * it: a watched switch reads only that one (a direct get) when it is stale.
 */
export const evolveDispatch = evolverOf<DispatchEvent, DispatchState>({
  dispatchPaused: (_state, value) => ({ status: 'PAUSED', reason: value.reason }),
  dispatchResumed: () => ({ status: 'RUNNING', reason: '' }),
});

export const dispatchDecider = deciderOf<DispatchCommand, DispatchEvent, DispatchState>(initialDispatchState, evolveDispatch, {
  PauseDispatch: pauseDispatch,
  ResumeDispatch: resumeDispatch,
});

function pauseDispatch(command: Extract<DispatchCommand, { type: 'PauseDispatch' }>, state: DispatchState): DispatchEvent[] {
  const reason = command.reason.trim();
  if (reason.length > MAX_PAUSE_REASON_LENGTH) throw new ValidationError(`reason must be at most ${MAX_PAUSE_REASON_LENGTH} characters`, 'reason');
  if (state.status === 'PAUSED') throw illegal(state, 'pause', `it is paused already${state.reason ? ` (${state.reason})` : ''}`);
  return [{ case: 'dispatchPaused', value: create(DispatchPausedSchema, { reason, origin: command.origin }) }];
}

function resumeDispatch(command: Extract<DispatchCommand, { type: 'ResumeDispatch' }>, state: DispatchState): DispatchEvent[] {
  if (state.status === 'RUNNING') throw illegal(state, 'resume', 'it is not paused');
  return [{ case: 'dispatchResumed', value: create(DispatchResumedSchema, { origin: command.origin }) }];
}

function illegal(state: DispatchState, verb: string, reason: string): IllegalTransition {
  return new IllegalTransition(DISPATCH_AGGREGATE.type, DISPATCH_AGGREGATE.id, state.status, verb, reason);
}
