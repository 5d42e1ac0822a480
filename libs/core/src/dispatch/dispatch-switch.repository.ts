import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { fold } from '../domain/decider';
import { DISPATCH_AGGREGATE, dispatchDecider, type DispatchEvent, type DispatchState } from '../domain/dispatch.decider';
import { decodeEvent } from '../events/event.codec';
import type { StreamNames } from '../events/streams';

export interface DispatchSwitch {
  readonly state: DispatchState;
  /** MPR_EVENTS sequence of the event that set it; 0: never switched (dispatching). */
  readonly sequence: number;
  /** When it was switched to this state; null: never switched. */
  readonly since: Date | null;
}

export interface SwitchWatch {
  stop(): void;
}

/**
 * The dispatch switch as MPR_EVENTS holds it. Every dispatch event sets the
 * whole state (evolveDispatch), so the aggregate's last message is all there
 * is to read: one request, cheap enough for the scheduler to ask before each
 * job event it handles.
 */
export class DispatchSwitchRepository {
  constructor(
    private readonly nc: NatsConnection,
    private readonly names: StreamNames,
  ) {}

  private get subject(): string {
    return this.names.aggregateSubject(DISPATCH_AGGREGATE);
  }

  async read(): Promise<DispatchSwitch> {
    // checkAPI off: no account round trip per call; the NATS connection already proved JetStream at boot.
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    const msg = await jsm.streams.getMessage(this.names.events, { last_by_subj: this.subject });
    if (!msg) return { state: dispatchDecider.initialState, sequence: 0, since: null };
    const decoded = decodeEvent(msg.string());
    return { state: fold(dispatchDecider, [decoded.event as DispatchEvent]), sequence: msg.seq, since: decoded.occurredAt };
  }

  /** Calls back when a dispatch event is published (core NATS sees JetStream's publishes): a hint to read again, no more. */
  watch(onEvent: () => void): SwitchWatch {
    const subscription = this.nc.subscribe(this.subject, { callback: () => onEvent() });
    return { stop: () => subscription.unsubscribe() };
  }
}
