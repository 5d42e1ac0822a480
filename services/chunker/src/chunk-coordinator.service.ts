import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import { decodeChunkJobItem, DispatchHold, DomainError, JobRecorder, UnrunnableJob, verdictFor } from '@mpr/core';
import { ChunkAborts } from './chunk-aborts';
import { Aborted, Refused } from './chunk.errors';
import { ChunkPipeline } from './chunk-pipeline.service';
import { ChunkQueueLoops, safely } from './chunk-queue.loops';
import { ChunkContextLoader } from './chunk-context';
import { ChunkWorkRepository } from './chunk-work.repository';
import { ChunkerMetrics } from './chunker.metrics';
import { CHUNKER_SETTINGS, type ChunkerSettings } from './chunker.settings';

/**
 * Coordinates up to MPR_CHUNK_JOBS chunked jobs at once, so the next job's
 * segments keep the workers busy while a job's last ones end. For each
 * chunk-job item: decides what the delivery is for (verdictFor), claims the
 * job (StartJob), runs the attempt (ChunkPipeline: plan, encodes, stitch,
 * verification, publishing), records a failure and settles the item.
 * Takes no new item while dispatch is paused.
 */
@Injectable()
export class ChunkCoordinator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ChunkCoordinator');
  private readonly loops: ChunkQueueLoops;

  constructor(
    private readonly work: ChunkWorkRepository,
    private readonly contexts: ChunkContextLoader,
    private readonly recorder: JobRecorder,
    private readonly pipeline: ChunkPipeline,
    private readonly aborts: ChunkAborts,
    private readonly metrics: ChunkerMetrics,
    hold: DispatchHold,
    @Inject(CHUNKER_SETTINGS) private readonly settings: ChunkerSettings,
  ) {
    // While dispatch is paused no new chunked attempt starts; the segments of running ones go on (SegmentWorkers has no hold).
    this.loops = new ChunkQueueLoops(work, 'job', this.logger, settings, hold);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.pipeline.warmUp();
    await this.work.connect();
    this.loops.start(this.settings.jobs, async (msg) => {
      const settle = await this.handle(msg);
      if (settle === 'ack') await msg.ackAck().catch(() => undefined);
      else safely(() => msg.nak(settle === 'nak-later' ? 5_000 : undefined));
    });
    this.logger.log(`coordinating up to ${this.settings.jobs} chunked job(s) at once, ${this.settings.workers} segment worker(s)`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const stopped = this.loops.stop();
    this.aborts.abortAll('shutdown');
    await stopped;
  }

  private async handle(msg: JsMsg): Promise<'ack' | 'nak' | 'nak-later'> {
    let item;
    try {
      item = decodeChunkJobItem(msg.string());
    } catch {
      msg.term('not a ChunkJobWorkItem');
      return 'ack';
    }
    const { state, version } = await this.contexts.job(item.jobId);
    const verdict = verdictFor(state, { attempt: item.attempt, deliveryCount: msg.info.deliveryCount });
    if (verdict.action === 'drop') return 'ack';
    if (verdict.action === 'mark-lost') {
      // Its coordinator died; its finished segments stay for the retry to take over (ChunkAttempts).
      await this.recorder.markLost(state);
      return 'ack';
    }
    const job = await this.recorder.start(state, version, `${this.settings.replicaId}-coordinator`);
    if (!job) return 'nak';
    const abort = this.aborts.register(job.jobId);
    try {
      const outcome = await this.pipeline.run(job, abort.signal);
      this.logger.log(`job ${job.jobId} attempt ${job.attempt}: ${outcome}`);
      this.metrics.jobs.inc({ outcome });
      return 'ack';
    } catch (err) {
      if (err instanceof Aborted || abort.signal.aborted) {
        this.metrics.jobs.inc({ outcome: String(abort.signal.reason ?? 'cancelled') });
        if (abort.signal.reason === 'shutdown') return 'nak';
        return 'ack';
      }
      // A job that cannot be chunked as created (an audio-only preset, a bad trim) fails for good, as in a single pass.
      const final = err instanceof UnrunnableJob || err instanceof DomainError || err instanceof Refused;
      this.logger.warn(`job ${job.jobId} attempt ${job.attempt} failed: ${(err as Error).message}`);
      await this.recorder.fail(job, (err as Error).message, !final).catch(() => undefined);
      this.metrics.jobs.inc({ outcome: 'failed' });
      return 'ack';
    } finally {
      abort.release();
    }
  }
}
