import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BUILTIN_PRESETS,
  buildStitchProbe,
  type FfprobeOutput,
  FfprobeRepository,
  type JobState,
  loadConfig,
  outputContainer,
  readStitchFacts,
  type RunningService,
  startService,
  type StitchFacts,
  type StitchProbeOutput,
} from '@mpr/core';
import { createTestDatabase, type TestDatabase } from '@mpr/core/testing/test-infra';
import { apiService } from '../../services/api/src/api.service-definition';
import { chunkerService } from '../../services/chunker/src/chunker.service-definition';
import { schedulerService } from '../../services/scheduler/src/scheduler.service-definition';
import { MATRIX_SOURCES, matrixPresetIds } from './real-media.sources';
import { TranscoderWorld } from './transcoder-harness';

/**
 * [M5] The real-media matrix: every builtin preset × single pass / chunked ×
 * whole / trimmed to the middle 60 %, over files taken from Debian and npm
 * packages and files ffmpeg makes to stand for what users bring. The whole
 * platform runs in this process (API, scheduler, transcoder, chunker); jobs
 * are created through the API, as a user would, and all run at once.
 *
 * Each job ends COMPLETED with an output the platform verified, or is
 * refused by createJob with a reason (a preset that encodes video, on a
 * source without any, always is); a chunked output matches the single
 * pass of the same job (frames exactly, samples within one audio frame,
 * duration within one frame); every output keeps the source's first video
 * and first audio only, its picture turned as the source shows it.
 */

const TOKEN = 'real-media-token-0123456789';
const MODES = ['single', 'chunked'] as const;
const RANGES = ['whole', 'trimmed'] as const;
type Mode = (typeof MODES)[number];
type Range = (typeof RANGES)[number];

interface Case {
  source: string;
  presetId: string;
  mode: Mode;
  range: Range;
  /** Set when createJob refused the job. */
  refused?: string;
  jobId?: string;
  job?: JobState;
  /** A COMPLETED job's output, probed as soon as the job settled (while the others still encode). */
  output?: Probed;
}

interface GraphqlAnswer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string; jobId?: string } }>;
}

const PRESET_IDS = BUILTIN_PRESETS.map((p) => p.presetId);

/** What a file shows: its streams by kind, and its picture's size and orientation once its display matrix is applied. */
interface Shown {
  readonly kinds: readonly string[];
  readonly codecs: { readonly video?: string; readonly audio?: string };
  readonly portrait?: boolean;
  /** Width × height as shown (the coded size, its sides swapped by a quarter turn). */
  readonly displayed?: { readonly width: number; readonly height: number };
}

/** What a file shows (Shown) and what the chunker's verification reads of it (StitchFacts), from one ffprobe. */
interface Probed {
  readonly shown: Shown;
  readonly facts: StitchFacts;
}

async function probed(path: string): Promise<Probed> {
  const json = JSON.parse(await new FfprobeRepository().output(buildStitchProbe(path))) as unknown;
  const streams = (json as FfprobeOutput).streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  const turned = Math.abs(video?.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0) % 180 === 90;
  const [width, height] = [video?.width ?? 0, video?.height ?? 0];
  return {
    shown: {
      kinds: streams.map((s) => s.codec_type ?? ''),
      codecs: { video: video?.codec_name, audio: audio?.codec_name },
      portrait: video ? (turned ? width > height : height > width) : undefined,
      displayed: video ? (turned ? { width: height, height: width } : { width, height }) : undefined,
    },
    facts: readStitchFacts(json as StitchProbeOutput),
  };
}

const caseKey = (c: Pick<Case, 'source' | 'presetId' | 'mode' | 'range'>) => `${c.source} ${c.presetId} ${c.mode} ${c.range}`;

/** The output frame rate's one frame and the audio codec's one frame, the matrix's tolerances. */
const AUDIO_FRAME: Record<string, number> = { aac: 1024, libmp3lame: 1152, libopus: 960, flac: 4608, copy: 4608 };

describe('real-media matrix (every builtin preset, single pass and chunked, whole and trimmed)', { timeout: 1_500_000 }, () => {
  let world: TranscoderWorld;
  let db: TestDatabase;
  const services: RunningService[] = [];
  let apiUrl = '';
  const cases = new Map<string, Case>();
  const durations = new Map<string, number>();
  /** What each source shows (its streams, orientation), to hold its outputs to. */
  const sourceViews = new Map<string, Shown>();
  const settled = new Map<string, Promise<void>>();

  async function graphql<T>(query: string): Promise<GraphqlAnswer<T>> {
    const response = await fetch(`${apiUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as GraphqlAnswer<T>;
  }

  before(
    async () => {
      const began = Date.now();
      const phases: string[] = [];
      const phase = (name: string) => phases.push(`${name} ${((Date.now() - began) / 1000).toFixed(1)} s`);
      [world, db] = await Promise.all([TranscoderWorld.create(), createTestDatabase()]);
      await Promise.all(MATRIX_SOURCES.map((s) => s.make(join(world.mediaIn, s.name))));
      await Promise.all(MATRIX_SOURCES.map(async (s) => sourceViews.set(s.name, (await probed(join(world.mediaIn, s.name))).shown)));
      for (const s of MATRIX_SOURCES) console.log(`real-media source ${s.name}: ${s.origin} — ${s.covers}`);
      phase('sources made');

      const env = world.env({
        DATABASE_URL: db.url,
        MPR_API_PORT: '0',
        MPR_SCHEDULER_PORT: '0',
        MPR_CHUNKER_PORT: '0',
        MPR_API_TOKEN: TOKEN,
        MPR_TRANSCODE_CONCURRENCY: '3',
        MPR_CHUNK_WORKERS: '2',
        MPR_CHUNK_CORES: '2',
        MPR_CHUNK_JOBS: '2',
        // One attempt: a job the platform cannot do fails once, with its reason, instead of three times.
        MPR_MAX_ATTEMPTS: '1',
        MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS: '60',
        MPR_LOG_LEVEL: 'error',
      });
      for (const definition of [apiService, schedulerService]) services.push(await startService(definition, loadConfig(env)));
      apiUrl = services[0].url;

      const scan = await graphql<{ scanMediaFolder: { registered: number } }>('mutation { scanMediaFolder { registered } }');
      assert.equal(scan.data?.scanMediaFolder.registered, MATRIX_SOURCES.length, JSON.stringify(scan.errors));
      const assets = await graphql<{
        assets: Array<{ id: string; filename: string; status: string; duration: number | null; rotation: number | null; errorMessage: string | null }>;
      }>('{ assets { id filename status duration rotation errorMessage } }');
      const byName = new Map((assets.data?.assets ?? []).map((a) => [a.filename, a]));

      const requests: Array<{ c: Case; input: Record<string, unknown> }> = [];
      for (const source of MATRIX_SOURCES) {
        const asset = byName.get(source.name);
        if (asset?.status !== 'ready') throw new Error(`${source.name} is not ready: ${asset?.status} ${asset?.errorMessage}`);
        const duration = Number(asset.duration);
        durations.set(source.name, duration);
        for (const presetId of matrixPresetIds(source, PRESET_IDS)) {
          for (const mode of MODES) {
            for (const range of RANGES) {
              const c: Case = { source: source.name, presetId, mode, range };
              cases.set(caseKey(c), c);
              const trim = range === 'trimmed' ? { trimStart: round(duration * 0.2), trimEnd: round(duration * 0.8) } : {};
              // Named by the container the job writes: the remux of a rotated clip writes MOV (outputContainer).
              const container = outputContainer(BUILTIN_PRESETS.find((p) => p.presetId === presetId)!.settings, { rotation: asset.rotation });
              const input: Record<string, unknown> = {
                sourceAssetId: asset.id,
                presetId,
                outputFilename: `${source.name.replace(/\./g, '_')}-${presetId}-${mode}-${range}.${container}`,
                chunked: mode === 'chunked',
                // Seams every second (on keyframes): small sources get several segments each.
                ...(mode === 'chunked' ? { chunkDuration: 1 } : {}),
                ...trim,
              };
              requests.push({ c, input });
            }
          }
        }
      }
      // All jobs are created before any encode starts: the API answers createJob once its read models hold the
      // job, and with encodes taking both cores they lagged past its 10 s wait (`internal error`).
      await inBatches(requests, 8, async ({ c, input }) => {
        const created: GraphqlAnswer<{ createJob: { id: string } }> = await graphql<{ createJob: { id: string } }>(
          `mutation { createJob(input: { ${Object.entries(input)
            .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
            .join(', ')} }) { id } }`,
        );
        // READ_MODELS_BEHIND says the job is recorded and names it: a client goes on with that id (the command
        // stands; repeating it would make a second job). A loaded machine lets the projection lag past the API's wait.
        const behind = created.errors?.[0]?.extensions;
        const jobId = created.data?.createJob.id ?? (behind?.code === 'READ_MODELS_BEHIND' ? behind.jobId : undefined);
        if (jobId) {
          c.jobId = jobId;
          settled.set(
            caseKey(c),
            world
              // Woken by the job's own events; 520 waits reading each job twice a second loaded NATS beside the encodes.
              .waitForJob(jobId, (job) => job.status === 'COMPLETED' || job.status === 'FAILED' || job.status === 'CANCELLED', 1_400_000, 15_000)
              .then(async (job) => {
                c.job = job;
                if (job.status === 'COMPLETED') c.output = await probed(join(world.mediaOut, job.outputPath));
              }),
          );
        } else {
          const error: { message: string; extensions?: { code?: string } } | undefined = created.errors?.[0];
          assert.ok(error);
          assert.equal(error.extensions?.code, 'BAD_USER_INPUT', `${caseKey(c)}: createJob failed otherwise than a refusal: ${JSON.stringify(created.errors)}`);
          c.refused = error.message;
        }
      });
      phase(`${requests.length} jobs asked for`);
      services.push(await startService(chunkerService, loadConfig(env)));
      await world.startTranscoder({ ...env, MPR_TRANSCODER_PORT: '0' });
      await Promise.all(settled.values());
      phase('every job settled, its output probed');
      // Where the matrix's time goes, for whoever makes it shorter (printed, never asserted).
      console.log(`real-media phases: ${phases.join(', ')}`);
      // The hook runs every job of the matrix (6–16 min on two cores): a bound for a hang, not for a slow machine.
    },
    { timeout: 1_400_000 },
  );

  after(async () => {
    console.log(matrixTable([...cases.values()]));
    await Promise.allSettled(services.map((s) => s.app.close()));
    await world?.cleanup();
    await db?.drop();
  });

  for (const source of MATRIX_SOURCES) {
    if (source.open && process.env.MPR_REAL_MEDIA_OPEN !== '1') console.log(`real-media open on ${source.name} (not run): ${source.open.why}`);
    for (const presetId of matrixPresetIds(source, PRESET_IDS)) {
      const { settings } = BUILTIN_PRESETS.find((p) => p.presetId === presetId)!;
      it(`${source.name} × ${presetId}: every job COMPLETED with a verified output or refused with a reason; chunked matches the single pass`, async () => {
        const problems: string[] = [];
        for (const range of RANGES) {
          const single = cases.get(caseKey({ source: source.name, presetId, mode: 'single', range }))!;
          const chunked = cases.get(caseKey({ source: source.name, presetId, mode: 'chunked', range }))!;
          const view = sourceViews.get(source.name)!;
          // A preset that encodes video has nothing to make of a source without any: refused at createJob.
          const noPicture = view.codecs.video === undefined && (settings.videoCodec ?? '') !== '' && settings.videoCodec !== 'copy';
          for (const c of [single, chunked]) {
            if (noPicture) {
              if (!/makes video, but the source has audio only/.test(c.refused ?? ''))
                problems.push(`${caseKey(c)}: not refused as making no picture: ${c.refused ?? c.job?.status}`);
            } else if (c.refused !== undefined) {
              if (c.refused.trim().length < 10) problems.push(`${caseKey(c)}: refused without a reason (${JSON.stringify(c.refused)})`);
            } else if (c.job?.status !== 'COMPLETED') problems.push(`${caseKey(c)}: ${c.job?.status} — ${c.job?.errorMessage}`);
            else problems.push(...keptProblems(c, view, c.output!.shown));
          }
          if (single.output && chunked.output) {
            const [a, b] = [single.output.facts, chunked.output.facts];
            const fps = Number(settings.framerate ?? 0) || 25;
            if (a.videoFrames !== b.videoFrames)
              problems.push(`${source.name} ${presetId} ${range}: chunked ${b.videoFrames} frames, single pass ${a.videoFrames}`);
            if (a.audioSamples !== undefined || b.audioSamples !== undefined) {
              const tolerance = AUDIO_FRAME[settings.audioCodec ?? ''] ?? 1024;
              if (a.audioSamples === undefined || b.audioSamples === undefined || Math.abs(a.audioSamples - b.audioSamples) > tolerance) {
                problems.push(`${source.name} ${presetId} ${range}: chunked ${b.audioSamples} audio samples, single pass ${a.audioSamples} (±${tolerance})`);
              }
            }
            if (Math.abs(a.duration - b.duration) > 1 / fps + 1e-6)
              problems.push(`${source.name} ${presetId} ${range}: chunked lasts ${b.duration} s, single pass ${a.duration} s`);
          }
          // A job refused in one mode and accepted in the other would be a refusal that depends on chunking.
          if ((single.refused === undefined) !== (chunked.refused === undefined)) {
            problems.push(`${source.name} ${presetId} ${range}: single pass ${single.refused ?? 'accepted'}, chunked ${chunked.refused ?? 'accepted'}`);
          }
        }
        assert.deepEqual(problems, []);
      });
    }
  }

  it('trims each source to the middle 60 % of what the probe measured', () => {
    for (const source of MATRIX_SOURCES) assert.ok(Number(durations.get(source.name)) > 0, `${source.name} has a measured duration`);
  });
});

/**
 * What an output keeps of its source: the first video and the first audio, never a second audio track, subtitles
 * or data; a copied stream as it was; the picture upright as the source shows it (ffmpeg applies a display matrix
 * when it encodes, a stream copy keeps the matrix).
 */
function keptProblems(c: Case, source: Shown, output: Shown): string[] {
  const problems: string[] = [];
  const extra = output.kinds.filter((kind, i) => !((kind === 'video' || kind === 'audio') && output.kinds.indexOf(kind) === i));
  if (extra.length > 0) problems.push(`${caseKey(c)}: the output keeps ${extra.join(', ')} streams beyond one video and one audio`);
  const { settings } = BUILTIN_PRESETS.find((p) => p.presetId === c.presetId)!;
  if (settings.videoCodec === 'copy' && output.codecs.video !== source.codecs.video)
    problems.push(`${caseKey(c)}: copied video is ${output.codecs.video}, the source's first is ${source.codecs.video}`);
  if (settings.audioCodec === 'copy' && output.codecs.audio !== source.codecs.audio)
    problems.push(`${caseKey(c)}: copied audio is ${output.codecs.audio}, the source's first is ${source.codecs.audio}`);
  if (output.portrait !== undefined && output.portrait !== source.portrait)
    problems.push(
      `${caseKey(c)}: the output shows the picture ${output.portrait ? 'upright' : 'on its side'}, the source ${source.portrait ? 'upright' : 'on its side'}`,
    );
  const [out, src] = [output.displayed, source.displayed];
  if (out && src) {
    // A copy shows the very picture; an encode may scale it (never up), keeping its shape to the even sizes it rounds to.
    const misshapen = Math.abs(out.width / out.height - src.width / src.height) > 2 / out.height;
    if (settings.videoCodec === 'copy' ? out.width !== src.width || out.height !== src.height : misshapen)
      problems.push(`${caseKey(c)}: the output shows ${out.width}×${out.height}, the source ${src.width}×${src.height}`);
  }
  return problems;
}

async function inBatches<T>(items: readonly T[], size: number, each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each));
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** case → COMPLETED / refused / FAILED with the reason, one line each, for the run's log. */
function matrixTable(cases: Case[]): string {
  const lines = cases.map((c) => {
    const outcome =
      c.refused !== undefined
        ? `refused: ${c.refused}`
        : c.job
          ? `${c.job.status}${c.job.status === 'COMPLETED' ? '' : `: ${c.job.errorMessage}`}`
          : 'not settled';
    return `${caseKey(c)} → ${outcome}`;
  });
  const counts = new Map<string, number>();
  for (const c of cases) {
    const k = c.refused !== undefined ? 'refused' : (c.job?.status ?? 'not settled');
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return ['real-media matrix:', ...lines, `totals: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}`].join('\n');
}
