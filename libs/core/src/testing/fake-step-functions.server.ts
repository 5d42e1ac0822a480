import { RecordingHttpServer, type RecordedAnswer, type RecordedRequest } from './recording-http.server';

/** An AWS JSON-protocol error answer: HTTP status, the error's type and its message. */
export interface AwsErrorAnswer {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

export interface StepFunctionsCall {
  /** From X-Amz-Target, e.g. StartExecution. */
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly request: RecordedRequest;
}

/**
 * A FAKE of the AWS Step Functions API (not AWS): a local HTTP server that
 * speaks its JSON 1.0 protocol for StartExecution and StopExecution and
 * records every request, so a test points the real @aws-sdk/client-sfn at it
 * (endpoint override) and sees what it serialized and signed. Errors are
 * queued per operation and answered in the service's own shape.
 */
export class FakeStepFunctionsApi {
  private readonly errors = new Map<string, AwsErrorAnswer[]>();
  private readonly always = new Map<string, AwsErrorAnswer>();
  /** Started executions by ARN: what a second StartExecution of the same name is answered with. */
  private readonly executions = new Map<string, { input: string; startDate: number }>();

  private http!: RecordingHttpServer;

  private constructor() {}

  static async start(): Promise<FakeStepFunctionsApi> {
    const fake = new FakeStepFunctionsApi();
    fake.http = await RecordingHttpServer.start((request) => fake.answer(request));
    return fake;
  }

  get endpoint(): string {
    return this.http.url;
  }

  /** Every call, in order, parsed. */
  calls(operation?: string): StepFunctionsCall[] {
    return this.http.requests
      .map((request) => ({
        operation: String(request.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, ''),
        input: JSON.parse(request.body || '{}'),
        request,
      }))
      .filter((call) => operation === undefined || call.operation === operation);
  }

  /** The next `times` calls of the operation get this error. */
  failNext(operation: string, error: AwsErrorAnswer, times = 1): void {
    this.errors.set(operation, [...(this.errors.get(operation) ?? []), ...Array<AwsErrorAnswer>(times).fill(error)]);
  }

  /** Every call of the operation gets this error until `clear`. */
  failAlways(operation: string, error: AwsErrorAnswer): void {
    this.always.set(operation, error);
  }

  clear(): void {
    this.errors.clear();
    this.always.clear();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private answer(request: RecordedRequest): RecordedAnswer {
    const operation = String(request.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
    const error = this.errors.get(operation)?.shift() ?? this.always.get(operation);
    if (error) {
      return {
        status: error.status,
        headers: { 'x-amzn-errortype': error.type },
        body: { __type: `com.amazonaws.swf.service.v2.model#${error.type}`, message: error.message },
      };
    }
    const input = JSON.parse(request.body || '{}') as Record<string, string>;
    const now = Date.now() / 1_000;
    switch (operation) {
      case 'StartExecution': {
        // arn:aws:states:<region>:<account>:stateMachine:<name> → …:execution:<name>:<execution name>
        const executionArn = `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`;
        // As Step Functions does: a name is one execution; the same name and input again is that one, another input a refusal.
        const earlier = this.executions.get(executionArn);
        if (earlier && earlier.input !== input.input) {
          return {
            status: 400,
            headers: { 'x-amzn-errortype': 'ExecutionAlreadyExists' },
            body: { __type: 'com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists', message: `Execution Already Exists: '${executionArn}'` },
          };
        }
        if (!earlier) this.executions.set(executionArn, { input: input.input, startDate: now });
        return { status: 200, body: { executionArn, startDate: this.executions.get(executionArn)!.startDate } };
      }
      case 'StopExecution':
        return { status: 200, body: { stopDate: now } };
      default:
        return {
          status: 400,
          headers: { 'x-amzn-errortype': 'UnknownOperationException' },
          body: { __type: 'UnknownOperationException', message: `the fake does not do ${operation}` },
        };
    }
  }
}
