import type { WatchChunkPipelineResponse } from '@mpr/contracts/gateway_pb';
import {
  applyPipelineResponse,
  type ChunkPipelineTimeline,
  emptyTimeline,
  pipelineStage,
  type PipelineStage,
} from '@mpr/core/chunking/chunk-pipeline.timeline';
import type { GatewayClient } from '../gateway/gateway-client';
import { LiveStream, type LiveStreams } from './live-stream.svelte';

/**
 * One chunked job's pipeline, live: the gateway's WatchChunkPipeline folded
 * into lanes and segments (libs/core chunking/chunk-pipeline.timeline, pure
 * and unit-tested). The gateway replays the job's steps from its start, so a
 * page opened late draws the same segments; after a drop the stream replays
 * again and the fold skips every step at or before the last sequence it
 * applied, so nothing is drawn twice.
 */
export class ChunkPipelineWatch {
  #jobId = $state<string | null>(null);
  /** Replaced whole on every message (a fold result): no deep proxy for a few dozen runs. */
  #timeline = $state.raw<ChunkPipelineTimeline>(emptyTimeline());
  readonly stream: LiveStream<WatchChunkPipelineResponse>;

  constructor(gateway: GatewayClient, streams: LiveStreams, onUnauthenticated: () => void) {
    this.stream = new LiveStream(
      'chunker',
      streams,
      (signal) => gateway.watchChunkPipeline({ jobId: this.#jobId ?? '' }, { signal }),
      (message) => (this.#timeline = applyPipelineResponse(this.#timeline, message)),
      onUnauthenticated,
    );
  }

  get jobId(): string | null {
    return this.#jobId;
  }

  get timeline(): ChunkPipelineTimeline {
    return this.#timeline;
  }

  get stage(): PipelineStage {
    return pipelineStage(this.#timeline);
  }

  /** Follows job `id`'s pipeline from its start; call the returned function to stop. */
  open(id: string): () => void {
    this.stream.stop();
    this.#jobId = id;
    this.#timeline = emptyTimeline();
    this.stream.start();
    return () => {
      this.stream.stop();
      this.#jobId = null;
    };
  }
}
