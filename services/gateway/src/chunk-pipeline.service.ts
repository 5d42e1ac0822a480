import { create } from '@bufbuild/protobuf';
import { Injectable } from '@nestjs/common';
import { StreamNames } from '@mpr/core';
import { type WatchChunkPipelineRequest, type WatchChunkPipelineResponse, WatchChunkPipelineResponseSchema } from '@mpr/contracts/gateway_pb';
import { assertJobId, jobNotFound } from './gateway.errors';
import { chunkPipelineStep, heartbeat, jobProgress, type ProgressMessage, segmentProgress, type SegmentReportMessage } from './gateway.messages';
import { GatewayFeeds } from './live/gateway-feeds';
import { GatewaySessions } from './live/gateway-sessions';
import { changed, newerThan } from './live/stream-session';
import { type StreamMessage, StreamFeedRepository } from './stream-feed.repository';

type PipelineLive = { step: StreamMessage } | { progress: ProgressMessage } | { segment: SegmentReportMessage };

/**
 * WatchChunkPipeline: MPR_TELEMETRY keeps the last message of each step's
 * subject (`…chunker.<jobId>.segment.3.done`), so the job's timeline so far
 * is a last-per-subject replay; live steps come from the job's one shared
 * feed, spliced at the stream's last sequence as WatchEvents does. Each
 * running segment's progress is live only: the workers' reports are not
 * stored (the steps say which segments are done).
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
      await session.join(this.feeds.segmentReports(jobId), (segment) => ({ segment }));
      const upTo = await this.repository.lastSequence(this.names.telemetry);
      const latest = await this.repository.lastMessage(this.names.telemetry, this.names.jobProgressSubject(jobId));
      if (latest) session.put({ progress: { data: latest.data } });
      for await (const msg of this.repository.replay(this.names.telemetry, `${prefix}>`, { lastPerSubject: true, upTo }, session.signal)) {
        session.sent();
        yield toStep(msg);
      }
      session.assertOpen();
      const fresh = newerThan(upTo);
      const newProgress = changed();
      const respond = (item: PipelineLive) => {
        if ('step' in item) return fresh(item.step.sequence) ? toStep(item.step) : undefined;
        if ('segment' in item) {
          const value = segmentProgress(item.segment, jobId);
          return value && create(WatchChunkPipelineResponseSchema, { kind: { case: 'segmentProgress', value } });
        }
        return newProgress(item.progress.data)
          ? create(WatchChunkPipelineResponseSchema, { kind: { case: 'progress', value: jobProgress(item.progress) } })
          : undefined;
      };
      const beat = () => create(WatchChunkPipelineResponseSchema, { kind: { case: 'heartbeat', value: heartbeat() } });
      for (let response; (response = await session.nextResponse(respond, beat));) yield response;
    } finally {
      session.close();
    }
  }
}
