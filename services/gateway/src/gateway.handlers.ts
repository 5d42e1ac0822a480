import type { ServiceImpl } from '@connectrpc/connect';
import type { GatewayService } from '@mpr/contracts/gateway_pb';
import type { ChunkPipelineService } from './chunk-pipeline.service';
import type { EventsWatchService } from './events-watch.service';
import type { RpcCalls } from './live/rpc-calls';
import type { WorkersWatchService } from './workers-watch.service';

export interface GatewayServices {
  events: EventsWatchService;
  pipeline: ChunkPipelineService;
  workers: WorkersWatchService;
  /** Runs each stream: broker check, errors to the wire, readers that stopped reading cut. */
  calls: RpcCalls;
}

/** The RPCs: thin, each one call into a service; a stream ends when the call's signal aborts. */
export function gatewayHandlers({ events, pipeline, workers, calls }: GatewayServices): ServiceImpl<typeof GatewayService> {
  return {
    watchEvents: (request, ctx) => calls.serve('WatchEvents', ctx, () => events.watchEvents(request, ctx.signal)),
    watchJob: (request, ctx) => calls.serve('WatchJob', ctx, () => events.watchJob(request, ctx.signal)),
    watchChunkPipeline: (request, ctx) => calls.serve('WatchChunkPipeline', ctx, () => pipeline.watch(request, ctx.signal)),
    watchWorkers: (_request, ctx) => calls.serve('WatchWorkers', ctx, () => workers.watch(ctx.signal)),
  };
}
