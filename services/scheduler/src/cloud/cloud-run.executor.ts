import { ExecutionsClient, JobsClient } from '@google-cloud/run';
import { Executor } from '@mpr/contracts/common_pb';
import { CLOUD_JOB_PAYLOAD_ENV, type CloudJobPayload, encodeCloudJobPayload } from '@mpr/core';
import { type CloudExecution, type CloudExecutor, CloudExecutorRefusal } from './cloud-executor';

/** The clients' options (google-gax's ClientOptions): endpoint, port, protocol, auth. */
export type CloudRunClientOptions = NonNullable<ConstructorParameters<typeof JobsClient>[0]>;

/** A repeated dispatch comes within minutes of the first: its execution is among the job's newest. */
const LOOKUP_EXECUTIONS = 50;
/** Canonical statuses (google.rpc.Code) a later attempt may get past; the rest need an operator. */
const RETRYABLE_STATUSES = new Set(['DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'ABORTED', 'UNAVAILABLE', 'INTERNAL']);
const HINT: Record<string, string> = {
  PERMISSION_DENIED:
    "the scheduler's service account needs run.jobs.runWithOverrides, run.executions.list and run.executions.cancel (roles/run.developer) on it",
  UNAUTHENTICATED: "the scheduler's Google credentials are not valid",
  NOT_FOUND: 'check MPR_CLOUD_RUN_JOB',
};
/** gRPC codes and HTTP statuses, to the canonical name, as google.rpc.Code maps them. */
const STATUS_OF_CODE: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/**
 * `gcp`: each job attempt is one execution of the deployment's Cloud Run Job
 * (deploy/gcp/), with per-execution overrides: the one-shot entry's args, the
 * payload in its environment, one task, and the deadline as its timeout.
 *
 * The clients speak REST (HTTP/1.1 + JSON, google-gax's fallback) rather than
 * gRPC: one transport in production and in the tests, whose fake control
 * plane is a plain HTTP server.
 */
export class CloudRunExecutor implements CloudExecutor {
  readonly name = 'gcp' as const;
  readonly executor = Executor.GCP;
  readonly startsOnce = false;
  private readonly jobs: JobsClient;
  private readonly executions: ExecutionsClient;

  constructor(
    private readonly jobName: string,
    private readonly timeoutSeconds: number,
    options: CloudRunClientOptions = {},
  ) {
    this.jobs = new JobsClient({ fallback: true, ...options });
    this.executions = new ExecutionsClient({ fallback: true, ...options });
  }

  async start(payload: CloudJobPayload): Promise<CloudExecution> {
    const args = ['--job-id', payload.jobId, '--attempt', String(payload.attempt)];
    // RunJob takes no request id: a dispatch repeated after a crash (between RunJob and JobStarted) finds the
    // attempt's execution by its arguments among the job's latest executions instead of starting a second one.
    const existing = await this.executionOf(args);
    if (existing) return { executionId: existing };
    let executionName: string | null | undefined;
    const env = [{ name: CLOUD_JOB_PAYLOAD_ENV, value: encodeCloudJobPayload(payload) }];
    try {
      // The operation ends when the execution does: its metadata already names the execution, which is all we keep.
      const [operation] = await this.jobs.runJob({
        name: this.jobName,
        overrides: {
          containerOverrides: [
            {
              args,
              env,
            },
          ],
          taskCount: 1,
          timeout: { seconds: this.timeoutSeconds },
        },
      });
      executionName = (operation.metadata as { name?: string } | null)?.name;
    } catch (err) {
      throw googleRefusal('RunJob', this.jobName, err);
    }
    if (!executionName) throw new CloudExecutorRefusal(`Cloud Run answered RunJob on ${this.jobName} without naming the execution`, true);
    return { executionId: executionName };
  }

  /** The name of the job's execution run with exactly these arguments, among its latest LOOKUP_EXECUTIONS, if there is one. */
  private async executionOf(args: readonly string[]): Promise<string | undefined> {
    try {
      const [executions] = await this.executions.listExecutions({ parent: this.jobName, pageSize: LOOKUP_EXECUTIONS }, { autoPaginate: false });
      const wanted = args.join('\0');
      return executions.find((e) => e.template?.containers?.some((c) => (c.args ?? []).join('\0') === wanted))?.name ?? undefined;
    } catch (err) {
      throw googleRefusal('ListExecutions', this.jobName, err);
    }
  }

  async cancel(executionName: string): Promise<void> {
    try {
      await this.executions.cancelExecution({ name: executionName });
    } catch (err) {
      throw googleRefusal('CancelExecution', executionName, err);
    }
  }

  async destroy(): Promise<void> {
    await Promise.all([this.jobs.close(), this.executions.close()]);
  }
}

/**
 * A clear refusal from a google-gax error. Over REST the error carries the
 * HTTP status as its code and the API's google.rpc.Status JSON as its message.
 */
export function googleRefusal(operation: string, resource: string, err: unknown): CloudExecutorRefusal {
  const e = (err ?? {}) as { code?: number | string; message?: string };
  if (typeof e.code !== 'number') {
    return new CloudExecutorRefusal(`Cloud Run could not be reached for ${operation} on ${resource}: ${e.message ?? String(err)}`, true);
  }
  let status = STATUS_OF_CODE[e.code] ?? 'UNKNOWN';
  let message = e.message ?? '';
  try {
    const answer = (JSON.parse(message) as { error?: { message?: string; status?: string } }).error;
    status = answer?.status ?? status;
    message = answer?.message ?? message;
  } catch {
    // Not the REST shape: the message is the API's words already.
  }
  const what = `Cloud Run refused ${operation} on ${resource} (${e.code} ${status}: ${message})`;
  const hint = HINT[status];
  return new CloudExecutorRefusal(hint ? `${what}; ${hint}` : what, RETRYABLE_STATUSES.has(status));
}
