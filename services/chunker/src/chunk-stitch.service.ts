import { Inject, Injectable } from '@nestjs/common';
import {
  buildStitchCommand,
  buildStitchProbe,
  type ChunkPlan,
  expectedStitch,
  FfmpegRepository,
  type FfprobeOutput,
  FfprobeRepository,
  JobRecorder,
  mapProbe,
  micros,
  OutputFilesRepository,
  OutputService,
  outputSampleRate,
  readStitchFacts,
  segmentCuts,
  shownProblem,
  type StitchProbeOutput,
  verifyStitch,
} from '@mpr/core';
import { type AttemptRun, ChunkAttempts } from './chunk-attempt.service';
import { Aborted, Refused } from './chunk.errors';
import { runStep } from './chunk-step.runner';
import { CHUNKER_SETTINGS, type ChunkerSettings, segmentName } from './chunker.settings';

/**
 * The end of an attempt: joins its finished segments and audio, verifies
 * the result against what the range must hold, and publishes it as the
 * job's output (rename into place, output asset, CompleteJob) like the
 * transcoder does.
 */
@Injectable()
export class ChunkStitcher {
  constructor(
    private readonly ffmpeg: FfmpegRepository,
    private readonly ffprobe: FfprobeRepository,
    private readonly files: OutputFilesRepository,
    private readonly outputs: OutputService,
    private readonly recorder: JobRecorder,
    private readonly attempts: ChunkAttempts,
    @Inject(CHUNKER_SETTINGS) private readonly settings: ChunkerSettings,
  ) {}

  /** The job's outcome: 'completed', or what the recorder says when the job ended otherwise meanwhile. `onPublished` runs once the output is in place. */
  async stitchAndPublish(at: AttemptRun, chunks: ChunkPlan, onPublished: () => void): Promise<string> {
    const { job, context, attempt, tell, signal } = at;
    const { plan, preset, source } = context;
    const { audio, range } = attempt;
    const cuts = segmentCuts(chunks, source.framerate);
    const listPath = await attempt.dir.writeConcatList(
      chunks.segments.map((s, i) => ({ name: segmentName(s.index), duration: micros(cuts[i].end - cuts[i].start) })),
    );
    tell(['stitching']);
    const stitched = this.files.absolute(plan.tempPath);
    // On a bucket root the audio, like the segments, may have been encoded on another machine: fetched here first.
    if (audio) await attempt.dir.localize([attempt.audioFile]);
    const audioPath = audio ? attempt.dir.path(attempt.audioFile) : undefined;
    const [, sourceFrames] = await Promise.all([
      runStep(
        this.ffmpeg,
        buildStitchCommand({
          listPath,
          audioPath,
          preset,
          output: stitched,
          videoStart: plan.contents.video ? plan.contents.video.start - range.start : undefined,
          audioStart: plan.contents.audio ? plan.contents.audio.start - range.start : undefined,
        }),
        'the stitch',
        signal,
        this.settings.stallMs,
      ),
      // Without a preset rate the output keeps the source's frames (framesIn); a preset rate makes its own.
      preset.framerate === undefined ? this.attempts.rangeFrames(context.plan.source, attempt) : undefined,
    ]);
    const stitchProbe = JSON.parse(await this.ffprobe.output(buildStitchProbe(stitched))) as StitchProbeOutput & FfprobeOutput;
    const facts = readStitchFacts(stitchProbe);
    const expected = expectedStitch({
      ...range,
      video: plan.contents.video,
      audio: plan.contents.audio,
      fps: preset.framerate ?? source.framerate,
      sourceFrames,
      // In the rate the output plays at: libopus resamples a 44.1 kHz source to 48 kHz ([M5] matrix: 97536 samples
      // "expected 89303"), and an Opus encode of 16 kHz still plays at 48 kHz (98688 samples "expected 32000").
      audioSampleRate: audio ? outputSampleRate(preset.audioCodec ?? '', preset.audioSampleRate, Number(source.audioSampleRate ?? 0)) : undefined,
      audioCodec: preset.audioCodec,
      hasVideo: true,
    });
    const verdict = verifyStitch(facts, expected);
    const outputProbe = mapProbe(stitchProbe);
    // Segments cut from a split copy of the source lost its display matrix: held to the picture the source shows.
    const turned = shownProblem(outputProbe, plan.expected.shown);
    const reasons = [...(verdict.ok ? [] : verdict.reasons), ...(turned ? [turned] : [])];
    if (reasons.length > 0) {
      tell(['rejected'], { reasons });
      throw new Refused(`the stitched output was refused: ${reasons.join('; ')}`);
    }
    tell(['verified']);
    if (signal.aborted) throw new Aborted();
    const output = await this.outputs.publish(job.jobId, plan.outputPath, plan.tempPath, outputProbe);
    onPublished();
    const completed = await this.recorder.complete(job, output);
    if (completed !== 'completed') {
      await this.outputs.retract(output);
      return completed;
    }
    return 'completed';
  }
}
