/**
 * What a cloud executor reports to `POST /api/jobs/<id>/callback` (signed
 * per job, see auth/callback-signature), and what the API answers: the
 * contract between the one-shot entry and the API.
 */
export type CallbackReport =
  | { status: 'progress'; attempt: number; percent: number; fps: number; speed: number; currentTime: number; etaSeconds: number }
  /** Without `outputPath`: the output waits, verified, at the attempt's part file in MEDIA_OUT, for the platform to publish. */
  | { status: 'completed'; attempt: number; outputPath?: string }
  | { status: 'failed'; attempt: number; errorMessage: string; retryable: boolean };

/** The job's status after the report, in the API's lower case; `changed: false` when the attempt had already ended. */
export interface CallbackAnswer {
  status: string;
  changed?: false;
}
