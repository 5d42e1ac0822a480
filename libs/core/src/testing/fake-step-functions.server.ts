import { FakeControlPlane } from './fake-control-plane';
import type { RecordedAnswer, RecordedRequest } from './recording-http.server';

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
export class FakeStepFunctionsApi extends FakeControlPlane<StepFunctionsCall, AwsErrorAnswer> {
  private readonly always = new Map<string, AwsErrorAnswer>();
  /** Started executions by ARN: what a second StartExecution of the same name is answered with. */
  private readonly executions = new Map<string, { input: string; startDate: number }>();

  static start(): Promise<FakeStepFunctionsApi> {
    return FakeControlPlane.listen(new FakeStepFunctionsApi());
  }

  get endpoint(): string {
    return this.http.url;
  }

  /** Every call of the operation gets this error until `clear`. */
  failAlways(operation: string, error: AwsErrorAnswer): void {
    this.always.set(operation, error);
  }

  override clear(): void {
    super.clear();
    this.always.clear();
  }

  protected parse(request: RecordedRequest): StepFunctionsCall {
    return { operation: operationOf(request), input: JSON.parse(request.body || '{}'), request };
  }

  protected answer(request: RecordedRequest): RecordedAnswer {
    const operation = operationOf(request);
    const error = this.nextError(operation) ?? this.always.get(operation);
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

/** From X-Amz-Target: `AWSStepFunctions.StartExecution` → StartExecution. */
function operationOf(request: RecordedRequest): string {
  return String(request.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
}
