import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import type { ChunkSegmentWorkItem } from '@mpr/contracts/work_pb';
import {
  buildAudioEncodeCommand,
  buildSegmentEncodeCommand,
  decodeChunkSegmentItem,
  ffmpegFailure,
  FfmpegRepository,
  type LocalFile,
  runFfmpeg,
  segmentEncodeThreads,
} from '@mpr/core';
import { ChunkAborts } from './chunk-aborts';
import { ChunkQueueLoops, safely } from './chunk-queue.loops';
import { ChunkContextLoader } from './chunk-context';
import { ChunkWorkRepository } from './chunk-work.repository';
import { ChunkerMetrics } from './chunker.metrics';
import { ChunkerPresence } from './chunker-presence';
import { AUDIO_FAILED, audioName, CHUNKER_SETTINGS, type ChunkerSettings, failedName, segmentName } from './chunker.settings';
import { WorkDirRepository } from './work-dir.repository';
import { attemptTelemetry } from './attempt-telemetry';

/**
 * MPR_CHUNK_WORKERS loops per replica, each pulling one segment at a time
 * from the shared `chunk-segment` consumer. A segment is written under a
 * temporary name and renamed once ffmpeg succeeded: the coordinator counts
 * the renamed files. A failed encode is nak'd with a delay and tried again
 * alone; its last delivery leaves a `.failed` marker the coordinator reads.
 */
@Injectable()
export class SegmentWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ChunkWorker');
  private readonly loops: ChunkQueueLoops;
  private capacity: { stop(): void } | undefined;

  constructor(
    private readonly work: ChunkWorkRepository,
    private readonly contexts: ChunkContextLoader,
    private readonly ffmpeg: FfmpegRepository,
    private readonly aborts: ChunkAborts,
    private readonly metrics: ChunkerMetrics,
    private readonly workDirs: WorkDirRepository,
    private readonly presence: ChunkerPresence,
    @Inject(CHUNKER_SETTINGS) private readonly settings: ChunkerSettings,
  ) {
    this.loops = new ChunkQueueLoops(work, 'segment', this.logger, settings);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.work.connect();
    this.loops.start(this.settings.workers, (msg, slot) => this.handle(msg, slot));
    // Coordinators plan a job's default chunk length for the workers of every replica.
    this.capacity = this.work.serveCapacity(this.settings.workers);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.capacity?.stop();
    const stopped = this.loops.stop();
    this.aborts.abortAll('shutdown');
    await stopped;
  }

  private async handle(msg: JsMsg, slot: number): Promise<void> {
    let item: ChunkSegmentWorkItem;
    try {
      item = decodeChunkSegmentItem(msg.string());
    } catch {
      msg.term('not a ChunkSegmentWorkItem');
      return;
    }
    const workerId = this.presence.workerId(slot);
    const subject = item.audio ? ['audio'] : ['segment', String(item.index)];
    const tell = attemptTelemetry(this.work, item.jobId, item.attempt, {
      ...(item.audio ? {} : { index: item.index }),
      workerId,
      replicaId: this.settings.replicaId,
    });
    const telemetry = (event: string, extra: Record<string, unknown> = {}) => tell([...subject, event], extra);
    const abort = this.aborts.register(item.jobId);
    let piece: LocalFile | undefined;
    try {
      const { state: job } = await this.contexts.job(item.jobId);
      if (abort.signal.aborted && abort.signal.reason === 'shutdown') {
        safely(() => msg.nak());
        return;
      }
      if (job.status !== 'PROCESSING' || job.attempt !== item.attempt || abort.signal.aborted) {
        this.metrics.segments.inc({ outcome: 'dropped' });
        await msg.ackAck();
        return;
      }
      // The piece is a name in the attempt's own directory, never a path: refuse anything else.
      if (item.piece && !PIECE_NAME.test(item.piece)) {
        this.metrics.segments.inc({ outcome: 'dropped' });
        msg.term(`piece ${JSON.stringify(item.piece)} is not a piece name`);
        return;
      }
      // As the coordinator planned it: a preset edited since must not reach this attempt's later segments.
      const context = await this.contexts.load(job, item.presetVersion > 0n ? Number(item.presetVersion) : undefined);
      const dir = this.workDirs.of(item.jobId, item.attempt);
      const name = item.audio ? audioName(context.preset.container ?? '') : segmentName(item.index);
      // Per delivery: a dead replica's orphaned ffmpeg may still be writing its own.
      const partial = await dir.partial(`${name}.d${msg.info.deliveryCount}.part`);
      // A piece from the split: on a bucket root fetched from the store unless this replica split the source.
      piece = item.piece ? await dir.input(item.piece) : undefined;
      const command = item.audio
        ? buildAudioEncodeCommand({
            input: context.plan.source.absolute,
            range: { start: item.cutStart, end: item.cutEnd },
            preset: context.preset,
            source: context.source,
            output: partial,
          })
        : buildSegmentEncodeCommand({
            input: piece ? piece.path : context.plan.source.absolute,
            inputOffset: item.inputOffset,
            // From the source itself, a segment past the first starts on the keyframe it seeks to.
            seek: !item.piece && item.inputOffset > 0,
            piece: Boolean(piece),
            cut: { start: item.cutStart, end: item.cutEnd },
            preset: context.preset,
            source: context.source,
            output: partial,
            threads: segmentEncodeThreads(this.settings.workers, this.settings.cores, item.segmentCount),
          });
      if (!command) {
        msg.term('the job has no audio to encode');
        return;
      }
      telemetry('started', { delivery: msg.info.deliveryCount });
      this.presence.running(workerId, { jobId: item.jobId, attempt: item.attempt, ...(item.audio ? { audio: true } : { segmentIndex: item.index }) });
      // The coordinator's stall watch counts from here: a delivery that never reports again is stuck.
      // Every report says the encode's length, so a watcher (the gateway) can turn it into a percent.
      const durationSeconds = item.cutEnd - item.cutStart;
      this.work.report(item.jobId, item.attempt, { index: item.index, outTimeSeconds: 0, durationSeconds, audio: item.audio });
      const startedAt = Date.now();
      this.metrics.runningSegments.inc();
      const outcome = await runFfmpeg(this.ffmpeg, command, {
        // No stall watch here: the coordinator watches every encode's reports, on whichever replica it runs.
        signal: abort.signal,
        onProgress: (snapshot) => {
          this.presence.speed(workerId, snapshot.speed);
          this.work.report(item.jobId, item.attempt, {
            index: item.index,
            outTimeSeconds: item.audio ? 0 : snapshot.outTimeSeconds,
            durationSeconds,
            audio: item.audio,
          });
        },
      }).finally(() => {
        this.metrics.runningSegments.dec();
        this.presence.idle(workerId);
      });
      if (outcome.kind === 'aborted') {
        await dir.discard(partial);
        if (outcome.reason === 'shutdown') {
          // This replica stops, the job does not: another replica's worker takes the segment.
          safely(() => msg.nak());
          return;
        }
        telemetry('cancelled');
        this.metrics.segments.inc({ outcome: 'cancelled' });
        await msg.ackAck();
        return;
      }
      if (outcome.kind === 'completed') {
        await dir.settle(partial, name);
        this.work.report(item.jobId, item.attempt, {
          index: item.index,
          outTimeSeconds: item.audio ? 0 : durationSeconds,
          durationSeconds,
          done: true,
          audio: item.audio,
        });
        telemetry('done');
        this.metrics.segments.inc({ outcome: 'done' });
        this.metrics.segmentDuration.observe((Date.now() - startedAt) / 1000);
        await msg.ackAck();
        return;
      }
      await dir.discard(partial);
      const reason = ffmpegFailure(outcome, this.workDirs.shownPaths(context.plan.source));
      telemetry('failed', { error: reason, delivery: msg.info.deliveryCount });
      this.metrics.segments.inc({ outcome: 'failed' });
      if (msg.info.deliveryCount >= this.settings.maxDeliver) {
        await dir.write(item.audio ? AUDIO_FAILED : failedName(item.index), reason).catch(() => undefined);
        msg.term(`${item.audio ? 'the audio' : `segment ${item.index}`} failed ${msg.info.deliveryCount} times`);
      } else {
        this.logger.warn(
          `job ${item.jobId} ${item.audio ? 'audio' : `segment ${item.index}`} failed (delivery ${msg.info.deliveryCount}), retried alone: ${reason}`,
        );
        msg.nak(this.settings.retryDelayMs);
      }
    } finally {
      await piece?.release();
      abort.release();
    }
  }
}

const PIECE_NAME = /^piece-\d{3,}\.mkv$/;
