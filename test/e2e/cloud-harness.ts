import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { jobCallbackToken, type JobState, type RunningService, signCallback, startService } from '@mpr/core';
import { FakeCloudRunApi } from '@mpr/core/testing/fake-cloud-run.server';
import { FakeStepFunctionsApi } from '@mpr/core/testing/fake-step-functions.server';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { waitFor } from '@mpr/core/testing/wait-for';
import { SchedulerModule } from '../../services/scheduler/src/scheduler.module';
import type { SchedulerOptions } from '../../services/scheduler/src/scheduler.options';
import { schedulerService } from '../../services/scheduler/src/scheduler.service-definition';
import { type ApiHarness, startApi } from './api-harness';
import { type JobView, loadJobView } from './scheduler-harness';

export const CALLBACK_SECRET = 'a-callback-secret-of-at-least-32-chars';
export const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:mpr-transcode';
export const CLOUD_RUN_JOB = 'projects/mpr-test-project/locations/europe-west1/jobs/mpr-transcode';
/** Throwaway credentials for the fakes: the SDKs sign with them as they would with real ones. */
export const FAKE_AWS_CREDENTIALS = { accessKeyId: 'AKIAFAKEFORTESTS0001', secretAccessKey: 'fake-secret-for-the-fake-control-plane' };
export const FAKE_GOOGLE_TOKEN = 'ya29.fake-token-for-the-fake-control-plane';

export interface JobRead {
  status: string;
  attempt: number;
  outputPath: string | null;
  errorMessage: string | null;
  outputAsset: { root: string; filePath: string; status: string; duration: number | null; videoCodec: string | null } | null;
  events: Array<{ type: string }>;
}

/**
 * The API and the scheduler in this process on private streams, database and
 * media, with the real AWS and Google SDKs pointed at local fakes of Step
 * Functions and Cloud Run. The default executor is `gcp`; a job that asks for
 * `lambda` overrides it. One ready clip is registered.
 */
export class CloudWorld {
  private constructor(
    readonly api: ApiHarness,
    readonly scheduler: RunningService,
    readonly sfn: FakeStepFunctionsApi,
    readonly run: FakeCloudRunApi,
    readonly assetId: string,
    private readonly options: Partial<SchedulerOptions>,
  ) {}

  /** `placeClip`: where the clip made in the API's MEDIA_IN folder goes when MEDIA_IN is a bucket (put it there before the scan). */
  static async start(
    options: Partial<SchedulerOptions> = {},
    env: Record<string, string> = {},
    placeClip?: (localPath: string) => Promise<void>,
  ): Promise<CloudWorld> {
    const sfn = await FakeStepFunctionsApi.start();
    const run = await FakeCloudRunApi.start();
    const api = await startApi({
      MPR_CALLBACK_SECRET: CALLBACK_SECRET,
      MPR_EXECUTOR: 'gcp',
      MPR_SFN_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
      MPR_CLOUD_RUN_JOB: CLOUD_RUN_JOB,
      ...env,
    });
    const scheduler = await startScheduler(api, sfn, run, options);
    const clip = await makeVideo(join(api.mediaIn, 'clip.mp4'));
    if (placeClip) await placeClip(clip);
    await api.graphql('mutation { scanMediaFolder { registered } }');
    const { data } = await api.graphql<{ assets: Array<{ id: string }> }>('query { assets(status: "ready") { id } }');
    assert.equal(data?.assets.length, 1, 'the clip is registered and ready');
    return new CloudWorld(api, scheduler, sfn, run, data!.assets[0].id, options);
  }

  /** Another scheduler replica on the same streams, database and fakes: the caller closes it (`app.close()`). */
  startSchedulerReplica(): Promise<RunningService> {
    return startScheduler(this.api, this.sfn, this.run, this.options);
  }

  /** A job on the clip; `executor` absent leaves the choice to MPR_EXECUTOR. */
  async createJob(fields: { executor?: 'lambda' | 'gcp' | 'local' } = {}): Promise<string> {
    const executor = fields.executor ? `, executor: "${fields.executor}"` : '';
    const created = await this.api.graphql<{ createJob: { id: string } }>(
      `mutation { createJob(input: { sourceAssetId: "${this.assetId}", presetId: "builtin-h264-720p"${executor} }) { id } }`,
    );
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    return created.data!.createJob.id;
  }

  /** POSTs a report to the job's callback, signed as its executor signs it. */
  async callback(jobId: string, report: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const body = JSON.stringify(report);
    const signature = `sha256=${signCallback(jobCallbackToken(CALLBACK_SECRET, jobId), body)}`;
    const response = await fetch(`${this.api.url}/api/jobs/${jobId}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mpr-signature': signature },
      body,
    });
    return { status: response.status, body: await response.json() };
  }

  /** The job as GraphQL reads it, with its output asset and events. */
  async readJob(jobId: string): Promise<JobRead> {
    const { data } = await this.api.graphql<{ job: JobRead }>(
      `query { job(id: "${jobId}") { status attempt outputPath errorMessage outputAsset { root filePath status duration videoCodec } events { type } } }`,
    );
    return data!.job;
  }

  /** The input of the Step Functions execution the scheduler started for the job's first attempt: the one-shot's payload. */
  async startedExecutionInput(jobId: string): Promise<unknown> {
    await this.jobUntil(jobId, 'started on lambda', (s) => s.status === 'PROCESSING');
    const call = this.sfn.calls('StartExecution').find((c) => c.input.name === `${jobId}-a1`);
    assert.ok(call, 'the scheduler started an execution');
    return JSON.parse(String(call.input.input));
  }

  job(jobId: string): Promise<JobView> {
    return loadJobView(this.api.streams.store, jobId);
  }

  jobUntil(jobId: string, what: string, done: (state: JobState) => boolean): Promise<JobView> {
    return waitFor(`job ${jobId} ${what}`, () => this.job(jobId), {
      done: (job) => done(job.state),
      describe: (job) => `${job.state.status} attempt ${job.state.attempt}: ${job.events.map((e) => e.type).join(', ')}`,
    });
  }

  async stop(): Promise<void> {
    await this.scheduler.app.close();
    await this.api.stop();
    await Promise.all([this.sfn.close(), this.run.close()]);
  }
}

/** A scheduler in this process with the real SDKs pointed at the fakes, calling back to `api`. */
function startScheduler(api: ApiHarness, sfn: FakeStepFunctionsApi, run: FakeCloudRunApi, options: Partial<SchedulerOptions>): Promise<RunningService> {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: FAKE_GOOGLE_TOKEN, expiry_date: Date.now() + 3_600_000 });
  const config = { ...api.config, MPR_SCHEDULER_PORT: 0, MPR_CALLBACK_URL: api.url };
  return startService(
    {
      ...schedulerService,
      module: (c) =>
        SchedulerModule.forRoot(
          c,
          { retryBaseDelayMs: 200, retryMaxDelayMs: 1_000, ...options },
          {
            stepFunctions: { endpoint: sfn.endpoint, credentials: FAKE_AWS_CREDENTIALS, maxAttempts: 3 },
            cloudRun: { apiEndpoint: '127.0.0.1', port: run.port, protocol: 'http', authClient: auth },
          },
        ),
    },
    config,
  );
}
