import { create } from '@bufbuild/protobuf';
import { Injectable } from '@nestjs/common';
import { StreamNames } from '@mpr/core';
import { type WatchChunkPipelineRequest, type WatchChunkPipelineResponse, WatchChunkPipelineResponseSchema } from '@mpr/contracts/gateway_pb';
import { assertJobId, jobNotFound } from './gateway.errors';
import { chunkPipelineStep, heartbeat, jobProgress, type ProgressMessage } from './gateway.messages';
import { GatewayFeeds } from './live/gateway-feeds';
import { GatewaySessions } from './live/gateway-sessions';
import { IDLE } from './live/stream-session';
import { type StreamMessage, StreamFeedRepository } from './stream-feed.repository';

type PipelineLive = { step: StreamMessage } | { progress: ProgressMessage };

/**
 * WatchChunkPipeline: MPR_TELEMETRY keeps the last message of each step's
 * subject (`…chunker.<jobId>.segment.3.done`), so the job's timeline so far
 * is a last-per-subject replay; live steps come from the job's one shared
 * feed, spliced at the stream's last sequence as WatchEvents does.
 */
@Injectable()
export class ChunkPipelineService {
  constructor(
    private readonly feeds: GatewayFeeds,
    private readonly sessions: GatewaySessions,
    private readonly repository: StreamFeedRepository,
    private readonly names: StreamNames,
  ) {}

  async *watch(request: WatchChunkPipelineRequest, signal: AbortSignal): AsyncGenerator<WatchChunkPipelineResponse> {
    assertJobId(request.jobId);
    const { jobId } = request;
    if (!(await this.repository.lastMessage(this.names.events, this.names.aggregateSubject({ type: 'job', id: jobId })))) throw jobNotFound(jobId);
    const prefix = `${this.names.telemetrySubject('chunker', jobId)}.`;
    const toStep = (msg: StreamMessage) => create(WatchChunkPipelineResponseSchema, { kind: { case: 'step', value: chunkPipelineStep(msg, prefix) } });
    const session = this.sessions.open<PipelineLive>(signal);
    try {
      await session.join(this.feeds.chunkSteps(jobId), (step) => ({ step }));
      await session.join(this.feeds.progress(jobId), (progress) => ({ progress }));
      const upTo = await this.repository.lastSequence(this.names.telemetry);
      const latest = await this.repository.lastMessage(this.names.telemetry, this.names.jobProgressSubject(jobId));
      if (latest) session.put({ progress: { data: latest.data } });
      for await (const msg of this.repository.replay(this.names.telemetry, `${prefix}>`, { lastPerSubject: true, upTo }, session.signal)) {
        session.sent();
        yield toStep(msg);
      }
      session.assertOpen();
      let last = upTo;
      let lastProgress = '';
      for (;;) {
        const item = await session.next();
        if (item === undefined) return;
        if (item === IDLE) {
          if (session.heartbeatDue()) yield create(WatchChunkPipelineResponseSchema, { kind: { case: 'heartbeat', value: heartbeat() } });
        } else if ('step' in item) {
          if (item.step.sequence <= last) continue;
          last = item.step.sequence;
          session.sent();
          yield toStep(item.step);
        } else if (item.progress.data !== lastProgress) {
          lastProgress = item.progress.data;
          session.sent();
          yield create(WatchChunkPipelineResponseSchema, { kind: { case: 'progress', value: jobProgress(item.progress) } });
        }
      }
    } finally {
      session.close();
    }
  }
}
