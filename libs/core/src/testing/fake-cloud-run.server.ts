import { randomUUID } from 'node:crypto';
import { FakeControlPlane } from './fake-control-plane';
import type { RecordedAnswer, RecordedRequest } from './recording-http.server';

/** A Google API error answer (google.rpc.Status over HTTP): HTTP status, the canonical status name, a message. */
export interface GoogleErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export interface CloudRunCall {
  /** RunJob or CancelExecution, from the REST path. */
  readonly operation: string;
  /** The resource the path names (the job, the execution). */
  readonly resource: string;
  readonly body: Record<string, unknown>;
  readonly request: RecordedRequest;
}

const EXECUTION_TYPE = 'type.googleapis.com/google.cloud.run.v2.Execution';

/**
 * A FAKE of the Cloud Run Admin API v2 (not Google): a local HTTP server that
 * speaks its REST mapping for jobs.run, executions.list and executions.cancel and records every
 * request, so a test points the real @google-cloud/run clients (REST
 * transport) at it and sees what they serialized, with their OAuth bearer
 * header. Each run gets an execution named like Cloud Run's
 * (`<job>/executions/<job id>-<n>`), returned as the operation's metadata.
 */
export class FakeCloudRunApi extends FakeControlPlane<CloudRunCall, GoogleErrorAnswer> {
  private runs = 0;
  private readonly executions: Array<{ name: string; job: string; template: { containers: Array<{ args: string[]; env: unknown[] }> } }> = [];

  static start(): Promise<FakeCloudRunApi> {
    return FakeControlPlane.listen(new FakeCloudRunApi());
  }

  get port(): number {
    return this.http.port;
  }

  protected parse(request: RecordedRequest): CloudRunCall {
    return { ...route(request), body: JSON.parse(request.body || '{}') as Record<string, unknown>, request };
  }

  protected answer(request: RecordedRequest): RecordedAnswer {
    const { operation, resource } = route(request);
    const error = this.nextError(operation);
    if (error) return { status: error.status, body: { error: { code: error.status, message: error.message, status: error.code } } };
    const location = resource.split('/').slice(0, 4).join('/');
    switch (operation) {
      case 'RunJob': {
        const jobId = resource.split('/').at(-1);
        const execution = `${resource}/executions/${jobId}-${(++this.runs).toString(36).padStart(5, '0')}`;
        const overrides = (JSON.parse(request.body || '{}') as { overrides?: { containerOverrides?: Array<{ args?: string[]; env?: unknown[] }> } }).overrides;
        // Cloud Run shows an execution's overrides in its template; newest first in ListExecutions.
        this.executions.unshift({
          name: execution,
          job: resource,
          template: { containers: (overrides?.containerOverrides ?? []).map((c) => ({ args: c.args ?? [], env: c.env ?? [] })) },
        });
        return {
          status: 200,
          body: { name: `${location}/operations/${randomUUID()}`, metadata: { '@type': EXECUTION_TYPE, name: execution, job: jobId }, done: false },
        };
      }
      case 'ListExecutions': {
        const executions = this.executions.filter((e) => e.job === resource).map(({ name, template }) => ({ name, template }));
        return { status: 200, body: { executions } };
      }
      case 'CancelExecution':
        return { status: 200, body: { name: `${location}/operations/${randomUUID()}`, metadata: { '@type': EXECUTION_TYPE, name: resource }, done: false } };
      default:
        return { status: 404, body: { error: { code: 404, message: `the fake does not do ${request.method} ${request.url}`, status: 'NOT_FOUND' } } };
    }
  }
}

/** `POST /v2/<job>:run`, `POST /v2/<execution>:cancel`, `GET /v2/<job>/executions`. */
function route(request: RecordedRequest): { operation: string; resource: string } {
  const path = decodeURIComponent(request.url.split('?')[0]);
  const list = /^\/v2\/(.+)\/executions$/.exec(path);
  if (request.method === 'GET' && list) return { operation: 'ListExecutions', resource: list[1] };
  const match = /^\/v2\/(.+):(run|cancel)$/.exec(path);
  if (request.method !== 'POST' || !match) return { operation: `${request.method} ${path}`, resource: '' };
  return { operation: match[2] === 'run' ? 'RunJob' : 'CancelExecution', resource: match[1] };
}
