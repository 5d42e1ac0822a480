import type { ServiceImpl } from '@connectrpc/connect';
import type { Logger } from '@nestjs/common';
import type { GatewayService } from '@mpr/contracts/gateway_pb';
import type { ChunkPipelineService } from './chunk-pipeline.service';
import type { EventsWatchService } from './events-watch.service';
import { toWireError } from './gateway.errors';
import type { WorkersWatchService } from './workers-watch.service';

export interface GatewayServices {
  events: EventsWatchService;
  pipeline: ChunkPipelineService;
  workers: WorkersWatchService;
  /** Throws UNAVAILABLE while NATS is away, before a call waits on it. */
  assertBrokerUp(): void;
}

/** The RPCs: thin, each one call into a service; a stream ends when the call's signal aborts. */
export function gatewayHandlers({ events, pipeline, workers, assertBrokerUp }: GatewayServices, logger: Logger): ServiceImpl<typeof GatewayService> {
  const guarded = <T>(rpc: string, stream: AsyncGenerator<T>) => wireErrors(rpc, stream, assertBrokerUp, logger);
  return {
    watchEvents: (request, ctx) => guarded('WatchEvents', events.watchEvents(request, ctx.signal)),
    watchJob: (request, ctx) => guarded('WatchJob', events.watchJob(request, ctx.signal)),
    watchChunkPipeline: (request, ctx) => guarded('WatchChunkPipeline', pipeline.watch(request, ctx.signal)),
    watchWorkers: (_request, ctx) => guarded('WatchWorkers', workers.watch(ctx.signal)),
  };
}

/** Errors leave as ConnectErrors by kind; an unexpected cause is logged here and never sent. */
async function* wireErrors<T>(rpc: string, stream: AsyncGenerator<T>, assertBrokerUp: () => void, logger: Logger): AsyncGenerator<T> {
  try {
    assertBrokerUp();
    yield* stream;
  } catch (err) {
    const wire = toWireError(err);
    if (wire !== err) logger.error(`${rpc}: ${(err as Error).stack ?? String(err)}`);
    throw wire;
  }
}
