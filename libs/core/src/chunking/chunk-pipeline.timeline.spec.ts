import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, type JsonObject } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { type WatchChunkPipelineResponse, WatchChunkPipelineResponseSchema } from '@mpr/contracts/gateway_pb';
import { applyPipelineResponse, type ChunkPipelineTimeline, emptyTimeline, pipelineStage } from './chunk-pipeline.timeline';

const JOB = 'j-1';
const PLAN = [
  { index: 0, start: 0, end: 4, duration: 4 },
  { index: 1, start: 4, end: 8, duration: 4 },
  { index: 2, start: 8, end: 12, duration: 4 },
];

/** Messages as the gateway sends them; each step gets the next MPR_TELEMETRY sequence, as the chunker publishes it. */
class Pipeline {
  readonly sent: { subject: string; response: WatchChunkPipelineResponse }[] = [];
  #sequence = 100;

  step(step: string, details: JsonObject = {}, who: { worker?: string; replica?: string } = {}, attempt = 1): this {
    const segment = /^segment\.(\d+)\./.exec(step);
    const value = {
      jobId: JOB,
      step,
      attempt,
      segmentIndex: segment ? Number(segment[1]) : undefined,
      workerId: who.worker ?? '',
      replicaId: who.replica ?? '',
      at: timestampFromMs(1_700_000_000_000 + this.#sequence),
      details: { attempt, ...details },
      sequence: BigInt(++this.#sequence),
    };
    this.sent.push({ subject: step, response: create(WatchChunkPipelineResponseSchema, { kind: { case: 'step', value } }) });
    return this;
  }

  segmentProgress(index: number, percent: number, attempt = 1, audio = false): this {
    const value = { jobId: JOB, attempt, segmentIndex: index, audio, percent, done: percent === 100 };
    this.sent.push({ subject: '', response: create(WatchChunkPipelineResponseSchema, { kind: { case: 'segmentProgress', value } }) });
    return this;
  }

  jobProgress(percent: number, attempt = 1): this {
    this.sent.push({
      subject: '',
      response: create(WatchChunkPipelineResponseSchema, { kind: { case: 'progress', value: { jobId: JOB, attempt, percent } } }),
    });
    return this;
  }

  /** What a watcher opened late receives: MPR_TELEMETRY's last step of each subject, in sequence order (progress is live only). */
  replay(): WatchChunkPipelineResponse[] {
    const last = new Map<string, WatchChunkPipelineResponse>();
    for (const { subject, response } of this.sent) if (subject) last.set(subject, response);
    return [...last.values()].sort((a, b) => Number(sequenceOf(a) - sequenceOf(b)));
  }

  live(): WatchChunkPipelineResponse[] {
    return this.sent.map((s) => s.response);
  }
}

const sequenceOf = (r: WatchChunkPipelineResponse) => (r.kind.case === 'step' ? r.kind.value.sequence : 0n);
const fold = (responses: WatchChunkPipelineResponse[], from: ChunkPipelineTimeline = emptyTimeline()) => responses.reduce(applyPipelineResponse, from);
const A = { worker: 'r1-w0', replica: 'r1' };
const B = { worker: 'r1-w1', replica: 'r1' };
const C = { worker: 'r2-w0', replica: 'r2' };
/** Lanes as "worker: run[state percent]" lines: what the page draws. */
const lanesOf = (t: ChunkPipelineTimeline) => t.lanes.map((lane) => `${lane.workerId}: ${lane.runs.map((r) => `${r.id}[${r.state} ${r.percent}]`).join(' ')}`);

describe('chunk pipeline timeline (WatchChunkPipeline folded for the Chunker view)', () => {
  it('plan, segments on two workers filling, stitch and verify', { timeout: 5_000 }, () => {
    const p = new Pipeline().step('planned', { segments: PLAN, chunkDuration: 4, workers: 2, split: false });
    PLAN.forEach((s) => p.step(`segment.${s.index}.queued`, { index: s.index }));
    p.step('segment.0.started', { index: 0, delivery: 1 }, A).step('segment.1.started', { index: 1, delivery: 1 }, B);
    let t = fold(p.live());
    assert.equal(pipelineStage(t), 'encoding');
    assert.deepEqual(
      t.segments.map((s) => s.state),
      ['running', 'running', 'queued'],
    );
    t = fold(new Pipeline().segmentProgress(0, 40).segmentProgress(1, 25).segmentProgress(0, 35).jobProgress(30).live(), t);
    assert.deepEqual(lanesOf(t), ['r1-w0: s0#1[running 40]', 'r1-w1: s1#1[running 25]'], 'a late, lower report does not move a bar back');
    assert.equal(t.percent, 30);
    p.step('segment.0.done', { index: 0 }, A).step('segment.2.started', { index: 2, delivery: 1 }, A);
    p.step('segment.1.done', { index: 1 }, B).step('segment.2.done', { index: 2 }, A).step('stitching').step('verified');
    t = fold(p.live());
    assert.deepEqual(lanesOf(t), ['r1-w0: s0#1[done 100] s2#1[done 100]', 'r1-w1: s1#1[done 100]']);
    assert.deepEqual(
      t.segments.map((s) => [s.state, s.percent, s.deliveries]),
      [
        ['done', 100, 1],
        ['done', 100, 1],
        ['done', 100, 1],
      ],
    );
    assert.equal(pipelineStage(t), 'verified');
    assert.equal(t.chunkDuration, 4);
    assert.equal(t.plannedWorkers, 2);
  });

  it('a failed segment retried on another replica: the failure stays in its lane, the retry runs in the other', { timeout: 5_000 }, () => {
    const p = new Pipeline().step('planned', { segments: PLAN });
    p.step('segment.1.started', { index: 1, delivery: 1 }, A).step('segment.1.failed', { index: 1, delivery: 1, error: 'ffmpeg exited with code 1' }, A);
    let t = fold(p.live());
    assert.equal(t.segments[1].state, 'failed');
    p.step('segment.1.started', { index: 1, delivery: 2 }, C).segmentProgress(1, 50);
    t = fold(p.live());
    assert.deepEqual(lanesOf(t), ['r1-w0: s1#1[failed 0]', 'r2-w0: s1#2[running 50]']);
    assert.equal(t.lanes[0].runs[0].error, 'ffmpeg exited with code 1');
    assert.deepEqual([t.segments[1].state, t.segments[1].deliveries], ['running', 2]);
  });

  it('opened late, the replay gives the same segments and lanes as watching live, retries included', { timeout: 5_000 }, () => {
    const p = new Pipeline().step('planned', { segments: PLAN, chunkDuration: 4 }).step('audio.queued').step('audio.started', { delivery: 1 }, B);
    PLAN.forEach((s) => p.step(`segment.${s.index}.queued`, { index: s.index }));
    p.step('segment.0.started', { index: 0, delivery: 1 }, A).step('segment.1.started', { index: 1, delivery: 1 }, C);
    p.step('segment.1.failed', { index: 1, delivery: 1, error: 'lost' }, C).step('segment.1.started', { index: 1, delivery: 2 }, A);
    p.step('segment.0.done', { index: 0 }, A).step('audio.done', {}, B).step('segment.2.started', { index: 2, delivery: 1 }, B);
    p.step('segment.1.done', { index: 1 }, A).step('segment.2.done', { index: 2 }, B).step('stitching').step('verified');
    const live = fold(p.live());
    const replayed = fold(p.replay());
    assert.ok(p.replay().length < p.live().length, 'the replay lost the first start of segment 1');
    assert.deepEqual(lanesOf(replayed), lanesOf(live));
    assert.deepEqual(replayed.segments, live.segments);
    assert.deepEqual(replayed.audio, { state: 'done', percent: 100, deliveries: 1 });
    assert.deepEqual(lanesOf(live), ['r1-w0: s0#1[done 100] s1#2[done 100]', 'r1-w1: audio#1[done 100] s2#1[done 100]', 'r2-w0: s1#1[failed 0]']);
  });

  it("the tail's move: the last boundary, the audio's lag and speed, the segments keep their states", { timeout: 5_000 }, () => {
    const p = new Pipeline().step('planned', { segments: PLAN }).step('segment.0.queued', { index: 0 }).step('segment.0.started', { index: 0, delivery: 1 }, A);
    let t = fold(p.live());
    assert.deepEqual(
      t.segments.map((s) => s.state),
      ['running', 'planned', 'planned'],
      'the held tail is planned, not queued',
    );
    const moved = [PLAN[0], { index: 1, start: 4, end: 9.5, duration: 5.5 }, { index: 2, start: 9.5, end: 12, duration: 2.5 }];
    p.step('rebalanced', { segments: moved, lagSeconds: 3.2, speed: 1.7 }).step('segment.1.queued', { index: 1 });
    t = fold(p.live());
    assert.deepEqual(t.tailMove, { from: 8, to: 9.5, lagSeconds: 3.2, speed: 1.7 });
    assert.deepEqual(
      t.segments.map((s) => [s.start, s.end, s.state]),
      [
        [0, 4, 'running'],
        [4, 9.5, 'queued'],
        [9.5, 12, 'planned'],
      ],
    );
  });

  it('a redelivery after a replica died marks the silent run lost', { timeout: 5_000 }, () => {
    const p = new Pipeline()
      .step('planned', { segments: PLAN })
      .step('segment.2.started', { index: 2, delivery: 1 }, C)
      .step('segment.2.started', { index: 2, delivery: 2 }, A);
    assert.deepEqual(lanesOf(fold(p.live())), ['r1-w0: s2#2[running 0]', 'r2-w0: s2#1[lost 0]']);
  });

  it("a job's new attempt starts a fresh timeline; steps of the old one and steps seen twice change nothing", { timeout: 5_000 }, () => {
    const p = new Pipeline()
      .step('planned', { segments: PLAN })
      .step('segment.0.started', { index: 0, delivery: 1 }, A)
      .step('segment.0.done', { index: 0 }, A);
    p.step('planned', { segments: PLAN }, {}, 2)
      .step('reused', { from: 1, segments: [0], audio: false }, {}, 2)
      .step('segment.1.started', { index: 1, delivery: 1 }, B, 2);
    p.step('segment.2.failed', { index: 2, delivery: 1 }, A, 1);
    const t = fold(p.live());
    assert.equal(t.attempt, 2);
    assert.equal(t.reusedFrom, 1);
    assert.deepEqual(
      t.segments.map((s) => s.state),
      ['reused', 'running', 'planned'],
    );
    assert.deepEqual(lanesOf(t), ['r1-w1: s1#1[running 0]']);
    // A reconnect replays what was applied: nothing moves.
    assert.deepEqual(fold(p.replay(), t), t);
    assert.equal(fold(new Pipeline().segmentProgress(1, 60, 1).live(), t), t, "the old attempt's progress is not this one's");
  });

  it('a rejected stitch says why', { timeout: 5_000 }, () => {
    const t = fold(
      new Pipeline()
        .step('planned', { segments: PLAN })
        .step('stitching')
        .step('rejected', { reasons: ['frames 290 of 300'] })
        .live(),
    );
    assert.equal(pipelineStage(t), 'rejected');
    assert.deepEqual(t.rejected?.reasons, ['frames 290 of 300']);
    assert.equal(pipelineStage(emptyTimeline()), 'waiting');
  });
});
