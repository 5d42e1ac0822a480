import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig, CoreModule } from '@mpr/core';
import { ChunkPipelineService } from './chunk-pipeline.service';
import { EventsWatchService } from './events-watch.service';
import { GatewayRpc } from './gateway-rpc.service';
import { GatewayMetrics } from './gateway.metrics';
import { GATEWAY_SETTINGS, gatewaySettings } from './gateway.settings';
import { BrokerStatus } from './live/broker-status';
import { GatewayFeeds } from './live/gateway-feeds';
import { GatewaySessions } from './live/gateway-sessions';
import { RpcCalls } from './live/rpc-calls';
import { StreamFeedRepository } from './stream-feed.repository';
import { WorkersWatchService } from './workers-watch.service';

@Module({})
export class GatewayModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [CoreModule.forRoot('gateway', config)],
      providers: [
        { provide: GATEWAY_SETTINGS, useValue: gatewaySettings(config) },
        StreamFeedRepository,
        GatewayMetrics,
        BrokerStatus,
        GatewayFeeds,
        GatewaySessions,
        RpcCalls,
        EventsWatchService,
        ChunkPipelineService,
        WorkersWatchService,
        GatewayRpc,
      ],
    };
  }
}
