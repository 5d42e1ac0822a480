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
import type { AggregateType, DomainEvent } from '../events/event.types';
import { checkTrim } from '../media/source-range';
import { validateRelativePath } from './asset.decider';
import { deciderOf, evolverOf } from './decider';
import { IllegalTransition, NotFound, ValidationError } from '../errors/domain.errors';

const AGGREGATE: AggregateType = 'job';

/** Milestones are recorded every this many percent; finer progress is telemetry. */
export const MILESTONE_STEP = 10;

export type JobCommand =
  | {
      type: 'CreateJob';
      jobId: string;
      sourceAssetId: string;
      presetId: string;
      /** Seconds from the start of the source; absent: from the start. */
      trimStart?: number;
      /** Seconds from the start of the source; absent: to the end. */
      trimEnd?: number;
      /** Relative to the output root. */
      outputFilename: string;
      /** UNSPECIFIED: the scheduler's default executor. */
      executor: Executor;
      chunked: boolean;
      chunkDuration?: number;
      /** UNSPECIFIED becomes NORMAL. */
      priority: Priority;
    }
  | { type: 'StartJob'; jobId: string; workerId: string; executor: Executor }
  | { type: 'ReportMilestone'; jobId: string; attempt: number; percent: number }
  | {
      type: 'CompleteJob';
      jobId: string;
      attempt: number;
      /** Relative to the output root. */
      outputPath: string;
      /** The asset the output is (or will be) registered as. */
      outputAssetId: string;
    }
  | { type: 'FailJob'; jobId: string; attempt: number; errorMessage: string; retryable: boolean }
  | { type: 'CancelJob'; jobId: string; reason?: string }
  | { type: 'RetryJob'; jobId: string; automatic: boolean }
  | { type: 'ChangeJobPriority'; jobId: string; priority: Priority };

export type JobEvent = Extract<
  DomainEvent,
  {
    case: 'jobCreated' | 'jobStarted' | 'jobProgressed' | 'jobCompleted' | 'jobFailed' | 'jobCancelled' | 'jobRetried' | 'jobPriorityChanged';
  }
>;

/** NONE: no job with this id was created. The others are the contracts' JobStatus names. */
export type JobStatusName = 'NONE' | 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface JobState {
  readonly status: JobStatusName;
  readonly jobId: string;
  readonly sourceAssetId: string;
  readonly presetId: string;
  readonly trimStart: number | undefined;
  readonly trimEnd: number | undefined;
  readonly outputFilename: string;
  /** The executor asked for at creation; UNSPECIFIED leaves the choice to the scheduler. */
  readonly executor: Executor;
  readonly chunked: boolean;
  readonly chunkDuration: number | undefined;
  readonly priority: Priority;
  /** 1 for the first run, +1 per retry. */
  readonly attempt: number;
  /** Who runs (or last ran) the current attempt, and where; '' / UNSPECIFIED until started. */
  readonly workerId: string;
  readonly workerExecutor: Executor;
  /** The last milestone percent of the current attempt; 0 when none yet. */
  readonly lastMilestone: number;
  readonly errorMessage: string;
  readonly retryable: boolean;
  readonly outputPath: string;
  readonly outputAssetId: string;
}

export const initialJobState: JobState = {
  status: 'NONE',
  jobId: '',
  sourceAssetId: '',
  presetId: '',
  trimStart: undefined,
  trimEnd: undefined,
  outputFilename: '',
  executor: Executor.UNSPECIFIED,
  chunked: false,
  chunkDuration: undefined,
  priority: Priority.NORMAL,
  attempt: 1,
  workerId: '',
  workerExecutor: Executor.UNSPECIFIED,
  lastMilestone: 0,
  errorMessage: '',
  retryable: false,
  outputPath: '',
  outputAssetId: '',
};

export const evolveJob = evolverOf<JobEvent, JobState>({
  jobCreated: (_state, e) => ({
    ...initialJobState,
    status: 'PENDING',
    jobId: e.jobId,
    sourceAssetId: e.sourceAssetId,
    presetId: e.presetId,
    trimStart: e.trimStart,
    trimEnd: e.trimEnd,
    outputFilename: e.outputFilename,
    executor: e.executor,
    chunked: e.chunked,
    chunkDuration: e.chunkDuration,
    priority: e.priority,
  }),
  jobStarted: (state, value) => ({
    ...state,
    status: 'PROCESSING',
    attempt: value.attempt,
    workerId: value.workerId,
    workerExecutor: value.executor,
    lastMilestone: 0,
  }),
  jobProgressed: (state, value) => ({ ...state, lastMilestone: value.percent }),
  jobCompleted: (state, value) => ({
    ...state,
    status: 'COMPLETED',
    outputPath: value.outputPath,
    outputAssetId: value.outputAssetId,
  }),
  jobFailed: (state, value) => ({
    ...state,
    status: 'FAILED',
    errorMessage: value.errorMessage,
    retryable: value.retryable,
  }),
  jobCancelled: (state) => ({ ...state, status: 'CANCELLED' }),
  jobRetried: (state, value) => ({
    ...state,
    status: 'PENDING',
    attempt: value.attempt,
    workerId: '',
    workerExecutor: Executor.UNSPECIFIED,
    lastMilestone: 0,
    errorMessage: '',
    retryable: false,
  }),
  jobPriorityChanged: (state, value) => ({ ...state, priority: value.priority }),
});

export const jobDecider = deciderOf<JobCommand, JobEvent, JobState>(initialJobState, evolveJob, {
  CreateJob: createJob,
  StartJob: startJob,
  ReportMilestone: reportMilestone,
  CompleteJob: completeJob,
  FailJob: failJob,
  CancelJob: cancelJob,
  RetryJob: retryJob,
  ChangeJobPriority: changePriority,
});

type CommandOf<T extends JobCommand['type']> = Extract<JobCommand, { type: T }>;

/** The job and attempt an attempt's event is about: every event from JobStarted to JobCancelled names both. */
function currentAttempt(state: JobState): { jobId: string; attempt: number } {
  return { jobId: state.jobId, attempt: state.attempt };
}

function createJob(command: CommandOf<'CreateJob'>, state: JobState): JobEvent[] {
  if (state.status !== 'NONE') throw illegal(command, state, 'create', 'it already exists');
  requireId(command.jobId, 'jobId');
  requireId(command.sourceAssetId, 'sourceAssetId');
  requireId(command.presetId, 'presetId');
  validateRelativePath(command.outputFilename, 'outputFilename');
  const { trimStart, trimEnd, chunkDuration } = command;
  // Its source is not known here: only the trim's own rule (sourceRange checks the rest against the probe).
  checkTrim({ start: trimStart, end: trimEnd });
  if (chunkDuration !== undefined && !(Number.isFinite(chunkDuration) && chunkDuration > 0)) {
    throw new ValidationError('chunkDuration must be a number of seconds > 0', 'chunkDuration');
  }
  requireEnum(Executor, command.executor, 'executor');
  return [
    {
      case: 'jobCreated',
      value: create(JobCreatedSchema, {
        jobId: command.jobId,
        sourceAssetId: command.sourceAssetId,
        presetId: command.presetId,
        trimStart,
        trimEnd,
        outputFilename: command.outputFilename,
        executor: command.executor,
        chunked: command.chunked,
        chunkDuration,
        priority: normalizePriority(command.priority),
      }),
    },
  ];
}

function startJob(command: CommandOf<'StartJob'>, state: JobState): JobEvent[] {
  if (state.status !== 'PENDING') throw illegal(command, state, 'start');
  requireEnum(Executor, command.executor, 'executor');
  if (command.executor === Executor.UNSPECIFIED) {
    throw new ValidationError('a started job runs on a concrete executor', 'executor');
  }
  return [
    {
      case: 'jobStarted',
      value: create(JobStartedSchema, {
        ...currentAttempt(state),
        workerId: command.workerId,
        executor: command.executor,
      }),
    },
  ];
}

/** Milestones arrive at least once and out of order: a stale or repeated one changes nothing. */
function reportMilestone(command: CommandOf<'ReportMilestone'>, state: JobState): JobEvent[] {
  if (state.status !== 'PROCESSING') throw illegal(command, state, 'report progress of');
  const { percent } = command;
  if (!(Number.isInteger(percent) && percent >= 0 && percent <= 100)) {
    throw new ValidationError('percent must be an integer from 0 to 100', 'percent');
  }
  const isNewMilestone = command.attempt === state.attempt && percent % MILESTONE_STEP === 0 && percent > state.lastMilestone;
  if (!isNewMilestone) return [];
  return [
    {
      case: 'jobProgressed',
      value: create(JobProgressedSchema, { ...currentAttempt(state), percent }),
    },
  ];
}

function completeJob(command: CommandOf<'CompleteJob'>, state: JobState): JobEvent[] {
  if (state.status !== 'PROCESSING') throw illegal(command, state, 'complete');
  requireCurrentAttempt(command, state, 'complete');
  validateRelativePath(command.outputPath, 'outputPath');
  return [
    {
      case: 'jobCompleted',
      value: create(JobCompletedSchema, {
        ...currentAttempt(state),
        outputPath: command.outputPath,
        outputAssetId: command.outputAssetId,
      }),
    },
  ];
}

/** From PENDING too: a job whose source cannot even be dispatched fails before it starts. */
function failJob(command: CommandOf<'FailJob'>, state: JobState): JobEvent[] {
  if (state.status !== 'PROCESSING' && state.status !== 'PENDING') throw illegal(command, state, 'fail');
  requireCurrentAttempt(command, state, 'fail');
  return [
    {
      case: 'jobFailed',
      value: create(JobFailedSchema, {
        ...currentAttempt(state),
        errorMessage: command.errorMessage,
        retryable: command.retryable,
      }),
    },
  ];
}

function cancelJob(command: CommandOf<'CancelJob'>, state: JobState): JobEvent[] {
  if (state.status !== 'PENDING' && state.status !== 'PROCESSING') throw illegal(command, state, 'cancel');
  return [
    {
      case: 'jobCancelled',
      value: create(JobCancelledSchema, { ...currentAttempt(state), reason: command.reason ?? '' }),
    },
  ];
}

/**
 * A person may retry any failed or cancelled job; the scheduler's automatic
 * retry only a failure marked retryable, so a retry racing a cancel or a
 * deterministic failure cannot resurrect the job.
 */
function retryJob(command: CommandOf<'RetryJob'>, state: JobState): JobEvent[] {
  if (state.status !== 'FAILED' && state.status !== 'CANCELLED') throw illegal(command, state, 'retry');
  if (command.automatic && !(state.status === 'FAILED' && state.retryable)) {
    throw illegal(command, state, 'retry', 'only a retryable failure is retried automatically');
  }
  return [
    {
      case: 'jobRetried',
      value: create(JobRetriedSchema, { jobId: state.jobId, attempt: state.attempt + 1, automatic: command.automatic }),
    },
  ];
}

function changePriority(command: CommandOf<'ChangeJobPriority'>, state: JobState): JobEvent[] {
  if (state.status !== 'PENDING') throw illegal(command, state, 'change the priority of');
  requireEnum(Priority, command.priority, 'priority');
  const priority = normalizePriority(command.priority);
  if (priority === state.priority) return [];
  return [{ case: 'jobPriorityChanged', value: create(JobPriorityChangedSchema, { jobId: state.jobId, priority }) }];
}

/** A command for a job that was never created is NotFound; for one in the wrong state, IllegalTransition. */
function illegal(command: JobCommand, state: JobState, verb: string, reason?: string): Error {
  if (state.status === 'NONE' && command.type !== 'CreateJob') return new NotFound(AGGREGATE, command.jobId);
  return new IllegalTransition(AGGREGATE, command.jobId, state.status, verb, reason);
}

/** A report from an attempt the job has moved past (a late worker) must not decide the current one. */
function requireCurrentAttempt(command: { jobId: string; attempt: number }, state: JobState, verb: string): void {
  if (command.attempt !== state.attempt) {
    throw new IllegalTransition(AGGREGATE, command.jobId, state.status, verb, `attempt ${command.attempt} is not the current attempt ${state.attempt}`);
  }
}

function normalizePriority(priority: Priority): Priority {
  return priority === Priority.UNSPECIFIED ? Priority.NORMAL : priority;
}

function requireId(value: string, field: string): void {
  if (value.trim() === '') throw new ValidationError(`${field} must not be empty`, field);
}

function requireEnum(enumObject: Record<number, string>, value: number, field: string): void {
  if (enumObject[value] === undefined) throw new ValidationError(`${field} ${value} is not a known value`, field);
}
