import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../gateway.settings';
import { StreamSession } from './stream-session';

/** Opens stream sessions, and ends them all (UNAVAILABLE, so clients resume) when the gateway stops. */
@Injectable()
export class GatewaySessions {
  private readonly stopping = new AbortController();

  constructor(@Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings) {}

  open<L>(callSignal: AbortSignal): StreamSession<L> {
    return new StreamSession<L>(callSignal, this.stopping.signal, this.settings.bufferSize, this.settings.heartbeatMs);
  }

  stopAll(): void {
    this.stopping.abort();
  }
}
