import { setMaxListeners } from 'node:events';
import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../gateway.settings';
import { StreamSession } from './stream-session';

/** Opens stream sessions, and ends them all (UNAVAILABLE, so clients resume) when the gateway stops. */
@Injectable()
export class GatewaySessions {
  private readonly stopping = new AbortController();

  constructor(@Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings) {
    // Every open stream listens for the gateway stopping: thousands of listeners are expected, not a leak.
    setMaxListeners(0, this.stopping.signal);
  }

  open<L>(callSignal: AbortSignal): StreamSession<L> {
    return new StreamSession<L>(callSignal, this.stopping.signal, this.settings.bufferSize, this.settings.heartbeatMs);
  }

  stopAll(): void {
    this.stopping.abort();
  }
}
