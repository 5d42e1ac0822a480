import { CALLBACK_SIGNATURE_HEADER, type CallbackAnswer, type CallbackReport, type CloudJobPayload, signCallback } from '@mpr/core';

/** The API refused the report (4xx): sending it again would not help. */
export class CallbackRefused extends Error {
  override readonly name = 'CallbackRefused';
}

const ATTEMPTS = 6;
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Reports of one job attempt to the API's signed callback. Outcomes are sent
 * until answered (a network failure or 5xx is tried again, honouring
 * Retry-After: the same signed body is the same command, so a repeat appends
 * nothing); progress is sent once, as the next report supersedes it.
 */
export class CallbackClient {
  constructor(
    private readonly callback: CloudJobPayload['callback'],
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  progress(report: Extract<CallbackReport, { status: 'progress' }>): Promise<CallbackAnswer> {
    return this.post(report, 1);
  }

  outcome(report: Exclude<CallbackReport, { status: 'progress' }>): Promise<CallbackAnswer> {
    return this.post(report, ATTEMPTS);
  }

  private async post(report: CallbackReport, attempts: number): Promise<CallbackAnswer> {
    const body = JSON.stringify(report);
    const headers = { 'content-type': 'application/json', [CALLBACK_SIGNATURE_HEADER]: `sha256=${signCallback(this.callback.token, body)}` };
    let lastError: string;
    for (let tried = 1; ; tried++) {
      let retryAfterMs = 500 * 2 ** (tried - 1);
      try {
        const response = await fetch(this.callback.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        const answer = (await response.json().catch(() => ({}))) as CallbackAnswer & { error?: string };
        if (response.ok) return answer;
        lastError = `HTTP ${response.status}: ${answer.error ?? ''}`;
        if (response.status < 500) throw new CallbackRefused(`the API refused the ${report.status} report: ${lastError}`);
        const retryAfter = Number(response.headers.get('retry-after'));
        if (retryAfter > 0) retryAfterMs = retryAfter * 1_000;
      } catch (err) {
        if (err instanceof CallbackRefused) throw err;
        lastError = (err as Error).message;
      }
      if (tried >= attempts) throw new Error(`the ${report.status} report did not reach ${this.callback.url} in ${attempts} tries: ${lastError}`);
      await this.sleep(retryAfterMs);
    }
  }
}
