import { connectNodeAdapter } from '@connectrpc/connect-node';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, BearerTokenCheck } from '@mpr/core';
import { GatewayService } from '@mpr/contracts/gateway_pb';
import { ChunkPipelineService } from './chunk-pipeline.service';
import { EventsWatchService } from './events-watch.service';
import { bearerTokenInterceptor } from './gateway.auth';
import { gatewayHandlers } from './gateway.handlers';
import type { GatewayListener } from './gateway.listener';
import { GatewayMetrics } from './gateway.metrics';
import { GatewayFeeds } from './live/gateway-feeds';
import { GatewaySessions } from './live/gateway-sessions';
import { callTransport, RpcCalls } from './live/rpc-calls';
import { WorkersWatchService } from './workers-watch.service';

/** Grace for streams told the gateway stops to send their last frame before their connections are cut. */
const SHUTDOWN_GRACE_MS = 200;

/** Puts the Connect handler on the gateway's listener, and takes it down first at shutdown. */
@Injectable()
export class GatewayRpc implements BeforeApplicationShutdown {
  private listener: GatewayListener | undefined;

  constructor(
    private readonly events: EventsWatchService,
    private readonly pipeline: ChunkPipelineService,
    private readonly workers: WorkersWatchService,
    private readonly sessions: GatewaySessions,
    private readonly calls: RpcCalls,
    private readonly feeds: GatewayFeeds,
    private readonly metrics: GatewayMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  mount(listener: GatewayListener): void {
    this.listener = listener;
    this.metrics.observe({ streams: () => this.calls.running, liveFeeds: () => this.feeds.running, unsentBytes: () => listener.unsentBytes });
    const handlers = gatewayHandlers({ events: this.events, pipeline: this.pipeline, workers: this.workers, calls: this.calls });
    listener.serveRpc((fallback) =>
      connectNodeAdapter({
        routes: (router) => router.service(GatewayService, handlers),
        interceptors: [bearerTokenInterceptor(new BearerTokenCheck(this.config.MPR_API_TOKEN))],
        contextValues: callTransport,
        fallback,
      }),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.sessions.stopAll();
    await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS));
    this.listener?.destroyConnections();
  }
}
