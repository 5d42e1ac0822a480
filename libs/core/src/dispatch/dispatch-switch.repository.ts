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
  /** The envelope id of the event that set it (what a watch names); null: never switched. */
  readonly eventId: string | null;
}

export interface SwitchWatch {
  stop(): void;
}

/**
 * The dispatch switch as MPR_EVENTS holds it. Every dispatch event sets the
 * whole state (evolveDispatch), so the aggregate's last message is all there
 * is to read: one request.
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
    if (!msg) return { state: dispatchDecider.initialState, sequence: 0, since: null, eventId: null };
    const decoded = decodeEvent(msg.string());
    return { state: fold(dispatchDecider, [decoded.event as DispatchEvent]), sequence: msg.seq, since: decoded.occurredAt, eventId: decoded.id };
  }

  /**
   * Calls `onEvent` with the id of each dispatch event as it is published
   * (core NATS sees JetStream's publishes, as the server takes them in: before
   * the stream delivers any event appended after it), and `onEvent(undefined)`
   * when the connection came back, as one may have been missed meanwhile.
   */
  watch(onEvent: (eventId: string | undefined) => void): SwitchWatch {
    const subscription = this.nc.subscribe(this.subject, {
      callback: (err, msg) => {
        if (err) return;
        try {
          onEvent(decodeEvent(msg.string()).id);
        } catch {
          onEvent(undefined); // not readable here: the next read of the log tells
        }
      },
    });
    let stopped = false;
    void (async () => {
      for await (const status of this.nc.status()) {
        if (stopped) return;
        if (status.type === 'reconnect') onEvent(undefined);
      }
    })();
    return {
      stop: () => {
        stopped = true;
        subscription.unsubscribe();
      },
    };
  }
}
