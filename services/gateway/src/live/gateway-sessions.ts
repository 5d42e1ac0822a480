import { setMaxListeners } from 'node:events';
import { Inject, Injectable } from '@nestjs/common';
import { GatewayMetrics } from '../gateway.metrics';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../gateway.settings';
import { BrokerStatus } from './broker-status';
import { StreamSession } from './stream-session';

/** Opens stream sessions, and ends them all (UNAVAILABLE, so clients resume) when the gateway stops or loses NATS. */
@Injectable()
export class GatewaySessions {
  private readonly stopping = new AbortController();

  constructor(
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
    private readonly broker: BrokerStatus,
    private readonly metrics: GatewayMetrics,
  ) {
    // Every open stream listens for the gateway stopping: thousands of listeners are expected, not a leak.
    setMaxListeners(0, this.stopping.signal);
  }

  open<L>(callSignal: AbortSignal): StreamSession<L> {
    this.broker.assertUp();
    return new StreamSession<L>(
      callSignal,
      { shutdown: this.stopping.signal, brokerLost: this.broker.lost, overflowed: () => this.metrics.overflowed.inc() },
      this.settings.bufferSize,
      this.settings.heartbeatMs,
    );
  }

  stopAll(): void {
    this.stopping.abort();
  }
}
