import type { Provider } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { NATS_CONNECTION } from '../core.tokens';
import { StreamNames } from '../events/streams';
import { DispatchSwitchRepository } from './dispatch-switch.repository';
import { WatchedDispatchSwitch } from './watched-dispatch-switch';

/** The one watched dispatch switch of a service (the scheduler's dispatch, the workers' DispatchHold ask it). */
export function dispatchSwitchProviders(): Provider[] {
  return [
    {
      provide: DispatchSwitchRepository,
      useFactory: (nc: NatsConnection, names: StreamNames) => new DispatchSwitchRepository(nc, names),
      inject: [NATS_CONNECTION, StreamNames],
    },
    WatchedDispatchSwitch,
  ];
}
