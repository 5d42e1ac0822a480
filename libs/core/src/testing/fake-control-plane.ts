import { setTimeout as delay } from 'node:timers/promises';
import { type RecordedAnswer, type RecordedRequest, RecordingHttpServer } from './recording-http.server';

/**
 * What the fakes of a cloud control plane share (Step Functions, Cloud Run):
 * a recording HTTP server, the calls it saw parsed by operation, and errors
 * queued per operation for the next calls. Each fake says how a request names
 * its operation (`parse`) and how the service answers it (`answer`).
 */
export abstract class FakeControlPlane<Call extends { readonly operation: string }, ErrorAnswer> {
  private readonly errors = new Map<string, ErrorAnswer[]>();
  private readonly delays = new Map<string, number[]>();
  protected http!: RecordingHttpServer;

  /** Made by a fake's static `start` only: a fake is always listening. */
  protected constructor() {}

  /** Starts `fake`'s server: what each fake's static `start` returns. */
  protected static async listen<Fake extends FakeControlPlane<{ readonly operation: string }, unknown>>(fake: Fake): Promise<Fake> {
    fake.http = await RecordingHttpServer.start(async (request) => {
      // Answered as the control plane stood when the request arrived, sent after the delay: what a slow answer is.
      const answer = fake.answer(request);
      const ms = fake.delays.get(fake.parse(request).operation)?.shift();
      if (ms) await delay(ms);
      return answer;
    });
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

  /** The answers to the next `times` calls of the operation are sent `ms` after the call (each as things stood at its arrival). */
  delayNext(operation: string, ms: number, times = 1): void {
    this.delays.set(operation, [...(this.delays.get(operation) ?? []), ...Array<number>(times).fill(ms)]);
  }

  clear(): void {
    this.errors.clear();
    this.delays.clear();
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
