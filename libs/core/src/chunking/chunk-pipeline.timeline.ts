import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { ChunkPipelineStep, SegmentProgress, WatchChunkPipelineResponse } from '@mpr/contracts/gateway_pb';

/** Where a segment (or the audio) of the attempt shown stands. `planned`: in the plan, not queued yet (the held tail). */
export type PieceState = 'planned' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'reused';

/** How one run of a piece on a worker ended; `lost` when a later delivery started it again without a word from this one (its replica died). */
export type RunState = 'running' | 'done' | 'failed' | 'cancelled' | 'lost';

/** One delivery of a segment (or of the audio) to a worker: a block in that worker's lane. */
export interface PipelineRun {
  /** `s<index>#<delivery>` or `audio#<delivery>`: unique in a timeline. */
  readonly id: string;
  /** null: the audio. */
  readonly segmentIndex: number | null;
  readonly delivery: number;
  readonly workerId: string;
  readonly replicaId: string;
  readonly state: RunState;
  readonly percent: number;
  readonly error: string | null;
}

export interface PipelineSegment {
  readonly index: number;
  /** Seconds of the source; `end` is exclusive. */
  readonly start: number;
  readonly end: number;
  readonly duration: number;
  readonly state: PieceState;
  readonly percent: number;
  /** Deliveries seen: more than one means the segment was retried. */
  readonly deliveries: number;
}

/** A worker (replica/worker) and the runs it took, in the order of the plan (the audio first, as it is queued first). */
export interface PipelineLane {
  readonly workerId: string;
  readonly replicaId: string;
  readonly runs: readonly PipelineRun[];
}

/** The tail's move: the last boundary moved so the audio's worker ends with the others. */
export interface TailMove {
  readonly from: number;
  readonly to: number;
  readonly lagSeconds: number;
  readonly speed: number;
}

/**
 * A chunked job's pipeline as the page draws it, folded from the gateway's
 * WatchChunkPipeline (a replay of the last message of each step since the
 * job started, then live). Replay and live fold to the same segments and
 * lanes: runs are ordered by the plan, not by arrival, and a run whose
 * `started` the stream no longer holds is made from its end.
 */
export interface ChunkPipelineTimeline {
  /** The attempt shown: a later attempt's first step replaces everything of the one before. */
  readonly attempt: number;
  /** The last MPR_TELEMETRY sequence applied: a step at or before it is not applied again. */
  readonly lastSequence: number;
  readonly chunkDuration: number | null;
  /** Workers the plan was sized for, when it was. */
  readonly plannedWorkers: number | null;
  /** Cut from pieces of a split (else each encode reads the source itself). */
  readonly split: boolean;
  readonly segments: readonly PipelineSegment[];
  readonly audio: { readonly state: PieceState; readonly percent: number; readonly deliveries: number } | null;
  readonly lanes: readonly PipelineLane[];
  readonly tailMove: TailMove | null;
  /** The earlier attempt whose finished files this one took over. */
  readonly reusedFrom: number | null;
  /** Milliseconds since the epoch each stage was reached, null before. */
  readonly at: { readonly planned: number | null; readonly split: number | null; readonly stitching: number | null; readonly verified: number | null };
  readonly rejected: { readonly at: number | null; readonly reasons: readonly string[] } | null;
  /** The job's aggregate percent (the coordinator's JobProgress). */
  readonly percent: number;
}

export type PipelineStage = 'waiting' | 'planned' | 'encoding' | 'stitching' | 'verified' | 'rejected';

export const emptyTimeline = (attempt = 0, lastSequence = 0): ChunkPipelineTimeline => ({
  attempt,
  lastSequence,
  chunkDuration: null,
  plannedWorkers: null,
  split: false,
  segments: [],
  audio: null,
  lanes: [],
  tailMove: null,
  reusedFrom: null,
  at: { planned: null, split: null, stitching: null, verified: null },
  rejected: null,
  percent: 0,
});

/** Where the pipeline is: the furthest stage reached. */
export function pipelineStage(t: ChunkPipelineTimeline): PipelineStage {
  if (t.rejected) return 'rejected';
  if (t.at.verified !== null) return 'verified';
  if (t.at.stitching !== null) return 'stitching';
  if (t.lanes.length > 0) return 'encoding';
  return t.at.planned !== null ? 'planned' : 'waiting';
}

/** Folds one response of WatchChunkPipeline into the timeline. Pure: the same messages give the same timeline. */
export function applyPipelineResponse(t: ChunkPipelineTimeline, response: WatchChunkPipelineResponse): ChunkPipelineTimeline {
  const { kind } = response;
  switch (kind.case) {
    case 'step':
      return applyStep(t, kind.value);
    case 'segmentProgress':
      return applySegmentProgress(t, kind.value);
    case 'progress':
      return kind.value.attempt < t.attempt ? t : { ...t, percent: kind.value.percent };
    case 'heartbeat':
    case undefined:
      return t;
    default: {
      const unknown: never = kind;
      return unknown;
    }
  }
}

function applyStep(current: ChunkPipelineTimeline, step: ChunkPipelineStep): ChunkPipelineTimeline {
  const sequence = Number(step.sequence);
  if (sequence <= current.lastSequence) return current;
  if (step.attempt < current.attempt) return { ...current, lastSequence: sequence };
  const t = step.attempt > current.attempt ? emptyTimeline(step.attempt, sequence) : { ...current, lastSequence: sequence };
  const details = step.details ?? {};
  const at = step.at ? timestampMs(step.at) : null;
  const piece = /^(?:segment\.(\d+)|audio)\.(\w+)$/.exec(step.step);
  if (piece) return applyPieceStep(t, piece[1] === undefined ? null : Number(piece[1]), piece[2], step, details);
  switch (step.step) {
    case 'planned':
      return {
        ...t,
        segments: segmentsOf(details.segments, t.segments),
        chunkDuration: numberOr(details.chunkDuration, null),
        plannedWorkers: numberOr(details.workers, null),
        split: details.split === true,
        at: { ...t.at, planned: at },
      };
    case 'rebalanced': {
      const segments = segmentsOf(details.segments, t.segments);
      const before = t.segments.at(-2)?.end;
      const after = segments.at(-2)?.end;
      const tailMove =
        before === undefined || after === undefined
          ? t.tailMove
          : { from: before, to: after, lagSeconds: numberOr(details.lagSeconds, 0), speed: numberOr(details.speed, 0) };
      return { ...t, segments, tailMove };
    }
    case 'split':
      return { ...t, at: { ...t.at, split: at } };
    case 'reused': {
      const reused = new Set(Array.isArray(details.segments) ? details.segments.filter((i): i is number => typeof i === 'number') : []);
      return {
        ...t,
        reusedFrom: numberOr(details.from, null),
        segments: t.segments.map((s) => (reused.has(s.index) ? { ...s, state: 'reused', percent: 100 } : s)),
        audio: details.audio === true ? { state: 'reused', percent: 100, deliveries: 0 } : t.audio,
      };
    }
    case 'stitching':
      return { ...t, at: { ...t.at, stitching: at } };
    case 'verified':
      return { ...t, at: { ...t.at, verified: at } };
    case 'rejected':
      return { ...t, rejected: { at, reasons: Array.isArray(details.reasons) ? details.reasons.map(String) : [] } };
    default:
      // A step this page does not know yet (a newer chunker): nothing to draw.
      return t;
  }
}

function applyPieceStep(t: ChunkPipelineTimeline, index: number | null, event: string, step: ChunkPipelineStep, details: JsonObject): ChunkPipelineTimeline {
  if (event === 'queued') return setPiece(t, index, (p) => (p.state === 'planned' ? { ...p, state: 'queued' } : p));
  const ends: Partial<Record<string, 'done' | 'failed' | 'cancelled'>> = { done: 'done', failed: 'failed', cancelled: 'cancelled' };
  const end = ends[event];
  if (event !== 'started' && !end) return t;
  const delivery = numberOr(details.delivery, 0);
  const error = typeof details.error === 'string' ? details.error : null;
  const same = (run: PipelineRun) => run.segmentIndex === index;
  const seen = Math.max(delivery, ...t.lanes.flatMap((l) => l.runs.filter(same).map((r) => r.delivery)));
  const started = event === 'started' ? delivery || seen + 1 : 0;
  // An earlier delivery still shown as running never ended: its worker went away and the item came back.
  const superseded = (r: PipelineRun) => started > 0 && same(r) && r.state === 'running' && r.delivery < started;
  const lanes = t.lanes.map((lane) => ({ ...lane, runs: lane.runs.map((r): PipelineRun => (superseded(r) ? { ...r, state: 'lost' } : r)) }));
  let lane = lanes.find((l) => l.workerId === step.workerId);
  if (!lane) {
    lane = { workerId: step.workerId, replicaId: step.replicaId, runs: [] };
    lanes.push(lane);
    lanes.sort((a, b) => a.replicaId.localeCompare(b.replicaId) || a.workerId.localeCompare(b.workerId));
  }
  const runs = lane.runs;
  if (event === 'started') {
    if (!runs.some((r) => same(r) && r.delivery === started)) runs.push(newRun(index, started, step, 'running', 0, null));
  } else {
    // The run this worker has of the piece; none when the stream no longer holds its start (a later start replaced it).
    const mine = runs.findLastIndex((r) => same(r) && (delivery === 0 || r.delivery === delivery));
    const percent = end === 'done' ? 100 : mine >= 0 ? runs[mine].percent : 0;
    if (mine >= 0) runs[mine] = { ...runs[mine], state: end!, percent, error };
    else runs.push(newRun(index, delivery || seen || 1, step, end!, percent, error));
  }
  const deliveries = Math.max(seen, started, 1);
  runs.sort(byPlan);
  const state: PieceState = event === 'started' ? 'running' : end!;
  const next = { ...t, lanes };
  return setPiece(next, index, (p) => ({ ...p, state, deliveries, percent: state === 'done' ? 100 : state === 'running' ? 0 : p.percent }));
}

function applySegmentProgress(t: ChunkPipelineTimeline, progress: SegmentProgress): ChunkPipelineTimeline {
  if (progress.attempt !== t.attempt) return t;
  const index = progress.audio ? null : progress.segmentIndex;
  let found = false;
  const lanes = t.lanes.map((lane) => {
    const at = lane.runs.findIndex((r) => r.segmentIndex === index && r.state === 'running');
    if (at < 0) return lane;
    found = true;
    const runs = [...lane.runs];
    runs[at] = { ...runs[at], percent: Math.max(runs[at].percent, progress.percent) };
    return { ...lane, runs };
  });
  if (!found) return t;
  return setPiece({ ...t, lanes }, index, (p) => (p.state === 'running' ? { ...p, percent: Math.max(p.percent, progress.percent) } : p));
}

type Piece = { state: PieceState; percent: number; deliveries: number };

function setPiece(t: ChunkPipelineTimeline, index: number | null, change: <P extends Piece>(piece: P) => P): ChunkPipelineTimeline {
  if (index === null) return { ...t, audio: change(t.audio ?? { state: 'planned', percent: 0, deliveries: 0 }) };
  if (!t.segments.some((s) => s.index === index)) {
    // A step of a segment the plan shown does not have (its `planned` is older than the replay): draw it anyway.
    const segments = [...t.segments, { index, start: 0, end: 0, duration: 0, state: 'planned' as const, percent: 0, deliveries: 0 }];
    t = { ...t, segments: segments.sort((a, b) => a.index - b.index) };
  }
  return { ...t, segments: t.segments.map((s) => (s.index === index ? change(s) : s)) };
}

function newRun(index: number | null, delivery: number, step: ChunkPipelineStep, state: RunState, percent: number, error: string | null): PipelineRun {
  return {
    id: `${index === null ? 'audio' : `s${index}`}#${delivery}`,
    segmentIndex: index,
    delivery,
    workerId: step.workerId,
    replicaId: step.replicaId,
    state,
    percent,
    error,
  };
}

const byPlan = (a: PipelineRun, b: PipelineRun) => (a.segmentIndex ?? -1) - (b.segmentIndex ?? -1) || a.delivery - b.delivery;

/** The plan's segments from a step's details, keeping what is known of each index. */
function segmentsOf(value: JsonValue | undefined, known: readonly PipelineSegment[]): PipelineSegment[] {
  if (!Array.isArray(value)) return [...known];
  return value.flatMap((item) => {
    if (!item || typeof item !== 'object' || Array.isArray(item) || typeof item.index !== 'number') return [];
    const was = known.find((s) => s.index === item.index);
    const start = numberOr(item.start, 0);
    const end = numberOr(item.end, start);
    return [
      {
        index: item.index,
        start,
        end,
        duration: numberOr(item.duration, end - start),
        state: was?.state ?? 'planned',
        percent: was?.percent ?? 0,
        deliveries: was?.deliveries ?? 0,
      },
    ];
  });
}

function numberOr<T>(value: JsonValue | undefined, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
