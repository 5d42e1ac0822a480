import { Injectable } from '@nestjs/common';
import { type JobState, OutputFilesRepository } from '@mpr/core';
import { attemptTelemetry } from './attempt-telemetry';
import { type AttemptRun, ChunkAttempts } from './chunk-attempt.service';
import { ChunkContextLoader } from './chunk-context';
import { ChunkEncodes } from './chunk-encode.service';
import { ChunkStitcher } from './chunk-stitch.service';
import { ChunkWorkRepository } from './chunk-work.repository';
import { SegmentMonitors } from './segment-monitor';

/**
 * One claimed attempt of a chunked job, from its plan to its published
 * output: plan (ChunkAttempts), encode (ChunkEncodes, watched by a
 * SegmentMonitor), stitch, verify and publish (ChunkStitcher). It leaves
 * nothing behind: the temporary output goes when the attempt fails, its work
 * directory when it ends.
 */
@Injectable()
export class ChunkPipeline {
  constructor(
    private readonly contexts: ChunkContextLoader,
    private readonly attempts: ChunkAttempts,
    private readonly encodes: ChunkEncodes,
    private readonly monitors: SegmentMonitors,
    private readonly stitcher: ChunkStitcher,
    private readonly files: OutputFilesRepository,
    private readonly work: ChunkWorkRepository,
  ) {}

  warmUp(): Promise<void> {
    return this.encodes.warmUp();
  }

  /** Runs the attempt; resolves with its outcome for the log and metrics, throws its failure (Aborted when `signal` aborts). */
  async run(job: JobState, signal: AbortSignal): Promise<string> {
    let tempPath: string | undefined;
    try {
      const context = await this.contexts.load(job);
      tempPath = context.plan.tempPath;
      await this.files.prepareFolder(context.plan.outputPath);
      const tell = attemptTelemetry(this.work, job.jobId, job.attempt);
      const attempt = await this.attempts.plan(job, context, tell);
      const run: AttemptRun = { job, context, attempt, tell, signal };
      const monitor = this.monitors.watch(job, attempt.range.end - attempt.range.start);
      try {
        const chunks = await this.encodes.run(run, monitor);
        // The segments are 95 %; the stitch and its verification the rest.
        monitor.progressAtLeast(96);
        return await this.stitcher.stitchAndPublish(run, chunks, () => monitor.progressAtLeast(100));
      } finally {
        monitor.stop();
      }
    } catch (err) {
      if (tempPath) await this.files.remove(tempPath).catch(() => undefined);
      throw err;
    } finally {
      const dir = this.attempts.workDir(job);
      await dir.remove();
      // Cancelled: the segment encodes of every replica stop on the same event; give them their kill grace, then remove what they leave.
      if (signal.aborted) setTimeout(() => void dir.remove(), 1_000);
    }
  }
}
