import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { create } from '@bufbuild/protobuf';
import { Executor } from '@mpr/contracts/common_pb';
import { JobCancelledSchema, JobCreatedSchema, JobStartedSchema } from '@mpr/contracts/job_pb';
import {
  APP_CONFIG,
  assetIdFor,
  CallbackSecret,
  EventStore,
  FfprobeRepository,
  IllegalTransition,
  jobCallbackToken,
  type JobEvent,
  JobTelemetryRepository,
  NotFound,
  OutputFilesRepository,
  OutputService,
  signCallback,
} from '@mpr/core';
import { JobCallbackService } from '../jobs/job-callback.service';
import { CommandBus } from '../projections/command.bus';
import { ReadModelsBehind } from '../projections/read-models-behind.error';
import { CallbackController } from './callback.controller';

const SECRET = 'a-callback-secret-of-at-least-32-chars';
const JOB = '7b0c3a52-5f0e-4c1e-9d7a-0c8f6f1f2a10';

interface ExecuteCall {
  aggregate: unknown;
  command: Record<string, unknown>;
  options: { commandId?: string } | undefined;
}

/** Stands in for the bus at the HTTP edge: records commands, answers with a state or throws what it is told. */
class FakeCommandBus {
  calls: ExecuteCall[] = [];
  failWith: Error | undefined;

  async execute(aggregate: unknown, _decider: unknown, command: Record<string, unknown>, options?: { commandId?: string }) {
    this.calls.push({ aggregate, command, options });
    if (this.failWith) throw this.failWith;
    return { state: { status: command.type === 'CompleteJob' ? 'COMPLETED' : 'FAILED' }, version: 2, events: [], conflicts: 0, replayed: false };
  }
}

/** The job's history the callback service reads when the bus refuses a command. */
class FakeEventStore {
  history: JobEvent[] = [];
  async load() {
    return { events: this.history.map((event, i) => ({ event, sequence: i + 1 })), version: this.history.length };
  }
}

describe('CallbackController', () => {
  const bus = new FakeCommandBus();
  const store = new FakeEventStore();
  let app: NestFastifyApplication;
  let url: string;

  before(async () => {
    @Module({
      controllers: [CallbackController],
      providers: [
        { provide: APP_CONFIG, useValue: { MPR_CALLBACK_SECRET: SECRET } },
        CallbackSecret,
        JobCallbackService,
        { provide: CommandBus, useValue: bus },
        { provide: EventStore, useValue: store },
        // Progress and staged outputs are the e2e specs' (test/e2e/cloud-oneshot.spec.ts): these reports never reach them.
        ...[JobTelemetryRepository, OutputService, OutputFilesRepository, FfprobeRepository].map((provide) => ({ provide, useValue: {} })),
      ],
    })
    class CallbackTestModule {}

    app = await NestFactory.create<NestFastifyApplication>(CallbackTestModule, new FastifyAdapter(), { rawBody: true, logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  after(() => app.close());
  beforeEach(() => {
    bus.calls = [];
    bus.failWith = undefined;
    store.history = [];
  });

  /** Posts the body exactly as given, signed with the token of `signedFor` unless a signature is given. */
  function post(jobId: string, body: string, options: { signedFor?: string; signature?: string | null } = {}) {
    const token = jobCallbackToken(SECRET, options.signedFor ?? jobId);
    const signature = options.signature === undefined ? `sha256=${signCallback(token, body)}` : options.signature;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signature !== null) headers['x-mpr-signature'] = signature;
    return fetch(`${url}/api/jobs/${jobId}/callback`, { method: 'POST', headers, body });
  }

  const completed = JSON.stringify({ attempt: 1, status: 'completed', outputPath: 'clip_720p.mp4' });

  it('completes the job for a callback signed with its token', async () => {
    const res = await post(JOB, completed);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'completed' });
    assert.equal(bus.calls.length, 1);
    assert.deepEqual(bus.calls[0].aggregate, { type: 'job', id: JOB });
    assert.deepEqual(bus.calls[0].command, {
      type: 'CompleteJob',
      jobId: JOB,
      attempt: 1,
      outputPath: 'clip_720p.mp4',
      outputAssetId: assetIdFor('out', 'clip_720p.mp4'),
    });
  });

  it('gives a repeated callback the same command id, derived from its signature', async () => {
    const signature = signCallback(jobCallbackToken(SECRET, JOB), completed);
    await post(JOB, completed);
    await post(JOB, completed);
    assert.deepEqual(
      bus.calls.map((c) => c.options?.commandId),
      [`callback-${signature.slice(0, 32)}`, `callback-${signature.slice(0, 32)}`],
    );
  });

  it('fails the job, not retryable unless the executor says so', async () => {
    const res = await post(JOB, JSON.stringify({ attempt: 2, status: 'failed', errorMessage: 'ffmpeg exited with 1' }));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'failed' });
    await post(JOB, JSON.stringify({ attempt: 2, status: 'failed', errorMessage: 'timed out', retryable: true }));
    assert.deepEqual(
      bus.calls.map((c) => c.command),
      [
        { type: 'FailJob', jobId: JOB, attempt: 2, errorMessage: 'ffmpeg exited with 1', retryable: false },
        { type: 'FailJob', jobId: JOB, attempt: 2, errorMessage: 'timed out', retryable: true },
      ],
    );
  });

  for (const [label, options] of [
    ['no signature', { signature: null }],
    ['a wrong signature', { signature: `sha256=${'0'.repeat(64)}` }],
    ['a malformed signature header', { signature: 'not-a-signature' }],
    ['a signature made for another job', { signedFor: 'another-job' }],
  ] as const) {
    it(`refuses ${label} with 401 and executes nothing`, async () => {
      const res = await post(JOB, completed, options);
      assert.equal(res.status, 401);
      assert.equal(typeof ((await res.json()) as { error: unknown }).error, 'string');
      assert.equal(bus.calls.length, 0);
    });
  }

  it('refuses a body changed after signing with 401', async () => {
    const signature = `sha256=${signCallback(jobCallbackToken(SECRET, JOB), completed)}`;
    const res = await post(JOB, completed.replace('"attempt":1', '"attempt":3'), { signature });
    assert.equal(res.status, 401);
    assert.equal(bus.calls.length, 0);
  });

  it('refuses a body that is not JSON with 415, as its bytes are not kept for the signature check', async () => {
    const token = jobCallbackToken(SECRET, JOB);
    const res = await fetch(`${url}/api/jobs/${JOB}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-mpr-signature': `sha256=${signCallback(token, completed)}` },
      body: completed,
    });
    assert.equal(res.status, 415);
    assert.equal(bus.calls.length, 0);
  });

  for (const body of [
    { attempt: 0, status: 'completed', outputPath: 'a.mp4' },
    { attempt: '1', status: 'completed', outputPath: 'a.mp4' },
    { attempt: 1, status: 'done', outputPath: 'a.mp4' },
    { attempt: 1, status: 'failed' },
    { attempt: 1, status: 'failed', errorMessage: 'x', retryable: 'yes' },
    [],
  ]) {
    it(`refuses the signed but malformed body ${JSON.stringify(body)} with 400`, async () => {
      const res = await post(JOB, JSON.stringify(body));
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, /invalid callback body/);
      assert.equal(bus.calls.length, 0);
    });
  }

  it('acknowledges a completion for an attempt that already ended (cancelled meanwhile) with 200, changing nothing', async () => {
    bus.failWith = new IllegalTransition('job', JOB, 'CANCELLED', 'complete');
    store.history = [
      { case: 'jobCreated', value: create(JobCreatedSchema, { jobId: JOB, sourceAssetId: 'a', presetId: 'p', outputFilename: 'clip_720p.mp4' }) },
      { case: 'jobStarted', value: create(JobStartedSchema, { jobId: JOB, attempt: 1, workerId: 'exec-1', executor: Executor.LAMBDA }) },
      { case: 'jobCancelled', value: create(JobCancelledSchema, { jobId: JOB, attempt: 1 }) },
    ];
    const res = await post(JOB, completed);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'cancelled', changed: false });
  });

  it('answers 409 when the attempt has not ended but cannot take the report (never started)', async () => {
    bus.failWith = new IllegalTransition('job', JOB, 'PENDING', 'complete');
    store.history = [
      { case: 'jobCreated', value: create(JobCreatedSchema, { jobId: JOB, sourceAssetId: 'a', presetId: 'p', outputFilename: 'clip_720p.mp4' }) },
    ];
    const res = await post(JOB, completed);
    assert.equal(res.status, 409);
    assert.deepEqual(await res.json(), { error: `cannot complete job ${JOB} in state PENDING` });
  });

  it('answers 404 for a job that does not exist', async () => {
    bus.failWith = new NotFound('job', JOB);
    const res = await post(JOB, completed);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: `job ${JOB} not found` });
  });

  it('answers 503 with Retry-After when the read models are behind: the command stands, the same callback may come again', async () => {
    bus.failWith = new ReadModelsBehind({ type: 'job', id: JOB }, 7, 5, 2_500);
    const res = await post(JOB, completed);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.deepEqual(await res.json(), {
      error: `the callback for job ${JOB} is recorded (event 7), but the read models are still at event 5: send the same callback again after Retry-After seconds`,
    });
  });
});
