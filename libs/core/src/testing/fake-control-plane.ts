import { type RecordedAnswer, type RecordedRequest, RecordingHttpServer } from './recording-http.server';

/**
 * What the fakes of a cloud control plane share (Step Functions, Cloud Run):
 * a recording HTTP server, the calls it saw parsed by operation, and errors
 * queued per operation for the next calls. Each fake says how a request names
 * its operation (`parse`) and how the service answers it (`answer`).
 */
export abstract class FakeControlPlane<Call extends { readonly operation: string }, ErrorAnswer> {
  private readonly errors = new Map<string, ErrorAnswer[]>();
  protected http!: RecordingHttpServer;

  /** Made by a fake's static `start` only: a fake is always listening. */
  protected constructor() {}

  /** Starts `fake`'s server: what each fake's static `start` returns. */
  protected static async listen<Fake extends FakeControlPlane<{ readonly operation: string }, unknown>>(fake: Fake): Promise<Fake> {
    fake.http = await RecordingHttpServer.start((request) => fake.answer(request));
    return fake;
  }

  /** Every call, in order, parsed; with `operation`, only its calls. */
  calls(operation?: string): Call[] {
    return this.http.requests.map((request) => this.parse(request)).filter((call) => operation === undefined || call.operation === operation);
  }

  /** The next `times` calls of the operation get this error. */
  failNext(operation: string, error: ErrorAnswer, times = 1): void {
    this.errors.set(operation, [...(this.errors.get(operation) ?? []), ...Array<ErrorAnswer>(times).fill(error)]);
  }

  clear(): void {
    this.errors.clear();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The error queued for this call of `operation`, taken off the queue. */
  protected nextError(operation: string): ErrorAnswer | undefined {
    return this.errors.get(operation)?.shift();
  }

  protected abstract parse(request: RecordedRequest): Call;
  protected abstract answer(request: RecordedRequest): RecordedAnswer;
}
