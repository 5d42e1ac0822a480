import { runOneShotPayload } from './oneshot.entry';
import type { OneShotOutcome } from './oneshot.runner';

/**
 * The Lambda function's handler (`dist/services/transcoder/src/oneshot/lambda.handler.handler`): the state
 * machine's Transcode task passes the execution's input, the job's payload, as the event. Its result is the
 * task's output; it throws only when the outcome could not be reported, so the state machine's Retry runs it again.
 */
export function handler(event: unknown): Promise<OneShotOutcome> {
  return runOneShotPayload(event);
}
