import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import {
  JobCancelledSchema,
  JobCompletedSchema,
  JobCreatedSchema,
  JobFailedSchema,
  JobPriorityChangedSchema,
  JobProgressedSchema,
  JobRetriedSchema,
  JobStartedSchema,
} from '@mpr/contracts/job_pb';
import { fold } from './decider';
import { given, lifecycleSuite, type LifecycleRow } from './decider.testing';
import { IllegalTransition, ValidationError } from '../errors/domain.errors';
import { type JobCommand, jobDecider, type JobEvent, type JobStatusName } from './job.decider';

const JOB = 'job-1';
/** The job the tests create: CreateJob's fields, which JobCreated carries unchanged. */
const JOB_FIELDS = {
  sourceAssetId: 'asset-1',
  presetId: 'builtin-h264-720p',
  outputFilename: 'clip_h264_720p.mp4',
  executor: Executor.UNSPECIFIED,
  chunked: false,
  priority: Priority.NORMAL,
};

// Events, as the decider must produce them.
const created = (init: Partial<Parameters<typeof createCommand>[0]> = {}): JobEvent => ({
  case: 'jobCreated',
  value: create(JobCreatedSchema, {
    jobId: JOB,
    ...JOB_FIELDS,
    ...init,
  }),
});
const started = (attempt = 1, workerId = 'worker-a'): JobEvent => ({
  case: 'jobStarted',
  value: create(JobStartedSchema, { jobId: JOB, attempt, workerId, executor: Executor.LOCAL }),
});
const progressed = (percent: number, attempt = 1): JobEvent => ({
  case: 'jobProgressed',
  value: create(JobProgressedSchema, { jobId: JOB, attempt, percent }),
});
const completed = (attempt = 1): JobEvent => ({
  case: 'jobCompleted',
  value: create(JobCompletedSchema, { jobId: JOB, attempt, outputPath: 'clip_h264_720p.mp4', outputAssetId: 'asset-out' }),
});
const failed = (attempt = 1, retryable = true): JobEvent => ({
  case: 'jobFailed',
  value: create(JobFailedSchema, { jobId: JOB, attempt, errorMessage: 'ffmpeg exited with 1', retryable }),
});
const cancelled = (attempt = 1, reason = 'by user'): JobEvent => ({
  case: 'jobCancelled',
  value: create(JobCancelledSchema, { jobId: JOB, attempt, reason }),
});
const retried = (attempt: number, automatic = false): JobEvent => ({
  case: 'jobRetried',
  value: create(JobRetriedSchema, { jobId: JOB, attempt, automatic }),
});
const priorityChanged = (priority: Priority): JobEvent => ({
  case: 'jobPriorityChanged',
  value: create(JobPriorityChangedSchema, { jobId: JOB, priority }),
});

// Commands.
function createCommand(init: Partial<Omit<Extract<JobCommand, { type: 'CreateJob' }>, 'type'>> = {}): JobCommand {
  return {
    type: 'CreateJob',
    jobId: JOB,
    ...JOB_FIELDS,
    ...init,
  };
}
const start = (workerId = 'worker-a'): JobCommand => ({ type: 'StartJob', jobId: JOB, workerId, executor: Executor.LOCAL });
const milestone = (percent: number, attempt = 1): JobCommand => ({ type: 'ReportMilestone', jobId: JOB, attempt, percent });
const complete = (attempt = 1): JobCommand => ({
  type: 'CompleteJob',
  jobId: JOB,
  attempt,
  outputPath: 'clip_h264_720p.mp4',
  outputAssetId: 'asset-out',
});
const fail = (attempt = 1, retryable = true): JobCommand => ({
  type: 'FailJob',
  jobId: JOB,
  attempt,
  errorMessage: 'ffmpeg exited with 1',
  retryable,
});
const cancel = (reason?: string): JobCommand => ({ type: 'CancelJob', jobId: JOB, reason });
const retry = (automatic = false): JobCommand => ({ type: 'RetryJob', jobId: JOB, automatic });
const changePriority = (priority: Priority): JobCommand => ({ type: 'ChangeJobPriority', jobId: JOB, priority });

/** One history per state, each in its first attempt. */
const HISTORIES: Record<JobStatusName, JobEvent[]> = {
  NONE: [],
  PENDING: [created()],
  PROCESSING: [created(), started()],
  COMPLETED: [created(), started(), completed()],
  FAILED: [created(), started(), failed()],
  CANCELLED: [created(), cancelled()],
};

/** Every command, with its event where it is legal (in the first attempt) and the verb its error names. */
const LIFECYCLE: LifecycleRow<JobCommand, JobEvent, JobStatusName>[] = [
  { command: createCommand(), verb: 'create', legalIn: { NONE: [created()] } },
  { command: start(), verb: 'start', legalIn: { PENDING: [started()] } },
  { command: milestone(10), verb: 'report progress of', legalIn: { PROCESSING: [progressed(10)] } },
  { command: complete(), verb: 'complete', legalIn: { PROCESSING: [completed()] } },
  { command: fail(), verb: 'fail', legalIn: { PENDING: [failed()], PROCESSING: [failed()] } },
  {
    command: cancel('by user'),
    verb: 'cancel',
    legalIn: { PENDING: [cancelled(1, 'by user')], PROCESSING: [cancelled(1, 'by user')] },
  },
  { command: retry(), verb: 'retry', legalIn: { FAILED: [retried(2)], CANCELLED: [retried(2)] } },
  { command: changePriority(Priority.HIGH), verb: 'change the priority of', legalIn: { PENDING: [priorityChanged(Priority.HIGH)] } },
];

describe('job decider', () => {
  lifecycleSuite(jobDecider, { type: 'job', id: JOB }, HISTORIES, LIFECYCLE);

  describe('in state NONE', () => {
    it('creates a job with its trim, chunking and executor', () =>
      given(jobDecider)
        .when(createCommand({ trimStart: 1.5, trimEnd: 30, chunked: true, chunkDuration: 10, executor: Executor.GCP }))
        .then([created({ trimStart: 1.5, trimEnd: 30, chunked: true, chunkDuration: 10, executor: Executor.GCP })]));

    it('takes a trim end alone (from the start)', () =>
      given(jobDecider)
        .when(createCommand({ trimEnd: 5 }))
        .then([created({ trimEnd: 5 })]));

    it('takes a trim start of 0', () =>
      given(jobDecider)
        .when(createCommand({ trimStart: 0 }))
        .then([created({ trimStart: 0 })]));

    it('turns an unspecified priority into NORMAL', () =>
      given(jobDecider)
        .when(createCommand({ priority: Priority.UNSPECIFIED }))
        .then([created({ priority: Priority.NORMAL })]));

    it('keeps an explicit priority', () =>
      given(jobDecider)
        .when(createCommand({ priority: Priority.LOW }))
        .then([created({ priority: Priority.LOW })]));

    const invalid: [string, Partial<Parameters<typeof createCommand>[0]>, string][] = [
      ['a negative trim start', { trimStart: -1 }, 'trimStart'],
      ['a NaN trim start', { trimStart: Number.NaN }, 'trimStart'],
      ['a trim end before the trim start', { trimStart: 10, trimEnd: 5 }, 'trimEnd'],
      ['a trim end equal to the trim start', { trimStart: 10, trimEnd: 10 }, 'trimEnd'],
      ['a trim end of 0', { trimEnd: 0 }, 'trimEnd'],
      ['an infinite trim end', { trimEnd: Number.POSITIVE_INFINITY }, 'trimEnd'],
      ['a chunk duration of 0', { chunked: true, chunkDuration: 0 }, 'chunkDuration'],
      ['a negative chunk duration', { chunked: true, chunkDuration: -5 }, 'chunkDuration'],
      ['an empty job id', { jobId: '' }, 'jobId'],
      ['an empty source asset id', { sourceAssetId: ' ' }, 'sourceAssetId'],
      ['an empty preset id', { presetId: '' }, 'presetId'],
      ['an empty output filename', { outputFilename: '' }, 'outputFilename'],
      ['an output filename escaping the root', { outputFilename: '../etc/passwd' }, 'outputFilename'],
      ['an absolute output filename', { outputFilename: '/tmp/x.mp4' }, 'outputFilename'],
      ['an unknown executor', { executor: 42 as Executor }, 'executor'],
    ];
    for (const [what, init, field] of invalid) {
      it(`refuses ${what}`, () => {
        assert.throws(
          () => jobDecider.decide(createCommand(init), jobDecider.initialState),
          (err: unknown) => err instanceof ValidationError && err.field === field,
        );
      });
    }

    it('says why it cannot create an existing job', () =>
      given(jobDecider, [created()])
        .when(createCommand())
        .thenThrows(IllegalTransition, /^cannot create job job-1 in state PENDING: it already exists$/));
  });

  describe('in state PENDING', () => {
    it('changing to the same priority changes nothing', () =>
      given(jobDecider, [created({ priority: Priority.HIGH })])
        .when(changePriority(Priority.HIGH))
        .then([]));

    it('changing to an unspecified priority means NORMAL', () =>
      given(jobDecider, [created({ priority: Priority.HIGH })])
        .when(changePriority(Priority.UNSPECIFIED))
        .then([priorityChanged(Priority.NORMAL)]));

    it('an unspecified priority on a NORMAL job changes nothing', () => given(jobDecider, [created()]).when(changePriority(Priority.UNSPECIFIED)).then([]));

    it('a changed priority is the new baseline', () =>
      given(jobDecider, [created(), priorityChanged(Priority.LOW)])
        .when(changePriority(Priority.LOW))
        .then([]));

    it('refuses an unknown priority', () =>
      given(jobDecider, [created()])
        .when(changePriority(9 as Priority))
        .thenThrows(ValidationError, /priority/));

    it('starting without a concrete executor is refused', () =>
      given(jobDecider, [created()])
        .when({ type: 'StartJob', jobId: JOB, workerId: 'w', executor: Executor.UNSPECIFIED })
        .thenThrows(ValidationError, /executor/));

    it('fails before starting (the source cannot be dispatched)', () =>
      given(jobDecider, [created()])
        .when(fail(1, false))
        .then([failed(1, false)]));

    it('a failure from an earlier attempt does not fail the new one', () =>
      given(jobDecider, [created(), started(), failed(), retried(2)])
        .when(fail(1))
        .thenThrows(IllegalTransition, /^cannot fail job job-1 in state PENDING: attempt 1 is not the current attempt 2$/));

    it('cancels without a reason', () =>
      given(jobDecider, [created()])
        .when(cancel())
        .then([cancelled(1, '')]));
  });

  describe('in state PROCESSING', () => {
    const running = [created(), started()];

    it('starting twice names the state', () =>
      given(jobDecider, running)
        .when(start('worker-b'))
        .thenThrows(IllegalTransition, /cannot start job job-1 in state PROCESSING/));

    it('records each milestone once, in order', () =>
      given(jobDecider, [...running, progressed(10), progressed(20)])
        .when(milestone(30))
        .then([progressed(30)]));

    it('records a milestone that skips some', () =>
      given(jobDecider, [...running, progressed(10)])
        .when(milestone(50))
        .then([progressed(50)]));

    it('records 100 %', () =>
      given(jobDecider, [...running, progressed(90)])
        .when(milestone(100))
        .then([progressed(100)]));

    it('ignores a repeated milestone', () =>
      given(jobDecider, [...running, progressed(20)])
        .when(milestone(20))
        .then([]));

    it('ignores a stale milestone', () =>
      given(jobDecider, [...running, progressed(40)])
        .when(milestone(30))
        .then([]));

    it('ignores 0 %', () => given(jobDecider, running).when(milestone(0)).then([]));

    it('ignores a percent between milestones', () => given(jobDecider, running).when(milestone(37)).then([]));

    it('ignores a milestone of an earlier attempt', () =>
      given(jobDecider, [created(), started(), failed(), retried(2), started(2)])
        .when(milestone(10, 1))
        .then([]));

    it('starts over with the milestones of a new attempt', () =>
      given(jobDecider, [created(), started(), progressed(50), failed(), retried(2), started(2)])
        .when(milestone(10, 2))
        .then([progressed(10, 2)]));

    for (const percent of [-10, 110, 12.5, Number.NaN]) {
      it(`refuses a percent of ${percent}`, () =>
        given(jobDecider, running)
          .when(milestone(percent))
          .thenThrows(ValidationError, /percent/));
    }

    it('a late completion of an earlier attempt is refused, with the reason', () =>
      given(jobDecider, [created(), started(), failed(), retried(2), started(2)])
        .when(complete(1))
        .thenThrows(IllegalTransition, /^cannot complete job job-1 in state PROCESSING: attempt 1 is not the current attempt 2$/));

    it('completes the current attempt', () =>
      given(jobDecider, [created(), started(), failed(), retried(2), started(2)])
        .when(complete(2))
        .then([completed(2)]));

    it('a completion from an unknown later attempt is refused', () =>
      given(jobDecider, running)
        .when(complete(2))
        .thenThrows(IllegalTransition, /attempt 2 is not the current attempt 1/));

    it('refuses an output path outside the output root', () =>
      given(jobDecider, running)
        .when({ type: 'CompleteJob', jobId: JOB, attempt: 1, outputPath: '../../x.mp4', outputAssetId: 'a' })
        .thenThrows(ValidationError, /outputPath/));

    it('a failure of an earlier attempt is refused', () =>
      given(jobDecider, [created(), started(), failed(), retried(2), started(2)])
        .when(fail(1))
        .thenThrows(IllegalTransition, /attempt 1 is not the current attempt 2/));

    it('cancels the current attempt', () =>
      given(jobDecider, [created(), started(), failed(), retried(2), started(2)])
        .when(cancel('x'))
        .then([cancelled(2, 'x')]));
  });

  describe('in state COMPLETED', () => {
    it('cannot be cancelled', () =>
      given(jobDecider, HISTORIES.COMPLETED)
        .when(cancel())
        .thenThrows(IllegalTransition, /^cannot cancel job job-1 in state COMPLETED$/));

    it('a duplicate completion is refused', () =>
      given(jobDecider, HISTORIES.COMPLETED)
        .when(complete())
        .thenThrows(IllegalTransition, /in state COMPLETED/));
  });

  describe('in state FAILED', () => {
    it('a person retries a failure that is not retryable', () =>
      given(jobDecider, [created(), started(), failed(1, false)])
        .when(retry(false))
        .then([retried(2, false)]));

    it('the scheduler retries a retryable failure', () =>
      given(jobDecider, [created(), started(), failed(1, true)])
        .when(retry(true))
        .then([retried(2, true)]));

    it('the scheduler does not retry a failure that is not retryable', () =>
      given(jobDecider, [created(), started(), failed(1, false)])
        .when(retry(true))
        .thenThrows(IllegalTransition, /^cannot retry job job-1 in state FAILED: only a retryable failure is retried automatically$/));

    it('each retry is a new attempt', () =>
      given(jobDecider, [created(), started(), failed(), retried(2), started(2), failed(2)])
        .when(retry())
        .then([retried(3)]));
  });

  describe('in state CANCELLED', () => {
    it('a person retries a cancelled job', () =>
      given(jobDecider, HISTORIES.CANCELLED)
        .when(retry(false))
        .then([retried(2)]));

    it('the scheduler does not retry a cancelled job', () =>
      given(jobDecider, HISTORIES.CANCELLED)
        .when(retry(true))
        .thenThrows(IllegalTransition, /in state CANCELLED: only a retryable failure is retried automatically/));
  });

  describe('evolve', () => {
    it('folds a created job into PENDING, attempt 1', () => {
      const state = fold(jobDecider, [created({ trimStart: 2, chunked: true, chunkDuration: 30, priority: Priority.HIGH })]);
      assert.equal(state.status, 'PENDING');
      assert.equal(state.attempt, 1);
      assert.equal(state.jobId, JOB);
      assert.equal(state.sourceAssetId, 'asset-1');
      assert.equal(state.presetId, 'builtin-h264-720p');
      assert.equal(state.outputFilename, 'clip_h264_720p.mp4');
      assert.equal(state.trimStart, 2);
      assert.equal(state.trimEnd, undefined);
      assert.equal(state.chunked, true);
      assert.equal(state.chunkDuration, 30);
      assert.equal(state.priority, Priority.HIGH);
    });

    it('remembers the worker, the milestone, the failure of an attempt', () => {
      const state = fold(jobDecider, [created(), started(1, 'worker-z'), progressed(60), failed(1, true)]);
      assert.equal(state.status, 'FAILED');
      assert.equal(state.workerId, 'worker-z');
      assert.equal(state.workerExecutor, Executor.LOCAL);
      assert.equal(state.lastMilestone, 60);
      assert.equal(state.errorMessage, 'ffmpeg exited with 1');
      assert.equal(state.retryable, true);
    });

    it('a retry clears the previous attempt and keeps the job', () => {
      const state = fold(jobDecider, [created({ executor: Executor.LAMBDA }), started(), progressed(60), failed(), retried(2)]);
      assert.equal(state.status, 'PENDING');
      assert.equal(state.attempt, 2);
      assert.equal(state.executor, Executor.LAMBDA);
      assert.equal(state.workerId, '');
      assert.equal(state.lastMilestone, 0);
      assert.equal(state.errorMessage, '');
      assert.equal(state.retryable, false);
    });

    it('keeps the output of a completed job', () => {
      const state = fold(jobDecider, HISTORIES.COMPLETED);
      assert.equal(state.status, 'COMPLETED');
      assert.equal(state.outputPath, 'clip_h264_720p.mp4');
      assert.equal(state.outputAssetId, 'asset-out');
    });
  });
});
