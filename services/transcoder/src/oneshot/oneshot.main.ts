import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { CLOUD_JOB_PAYLOAD_ENV } from '@mpr/core';
import { runOneShotPayload } from './oneshot.entry';

/**
 * The Cloud Run Job's container command: `node dist/services/transcoder/src/oneshot/oneshot.main.js --job-id <id> --attempt <n>`,
 * with the payload in MPR_JOB_PAYLOAD. The arguments must name the payload's attempt, so an execution started with
 * overrides for one attempt never reports on another. Exit 0 once the outcome is reported (a failure too), 1 when it
 * could not be: Cloud Run's task retries then run it again.
 */
async function main(): Promise<number> {
  const logger = new Logger('OneShot');
  const { values } = parseArgs({ options: { 'job-id': { type: 'string' }, attempt: { type: 'string' } }, strict: true });
  const text = process.env[CLOUD_JOB_PAYLOAD_ENV];
  if (!text) {
    logger.error(`${CLOUD_JOB_PAYLOAD_ENV} is not set: nothing to run`);
    return 1;
  }
  try {
    const payload = JSON.parse(text) as { jobId?: unknown; attempt?: unknown };
    if (payload.jobId !== values['job-id'] || String(payload.attempt) !== values.attempt) {
      logger.error(
        `--job-id ${values['job-id']} --attempt ${values.attempt} do not name the payload's job ${String(payload.jobId)} attempt ${String(payload.attempt)}`,
      );
      return 1;
    }
    const outcome = await runOneShotPayload(payload);
    logger.log(`outcome: ${JSON.stringify(outcome)}`);
    return 0;
  } catch (err) {
    logger.error((err as Error).message);
    return 1;
  }
}

void main().then((code) => (process.exitCode = code));
