import { CloudExecutorRefusal } from './cloud-executor';

/** What the AWS SDK v3 puts on a service error (ServiceException) or a transport failure. */
interface AwsError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** Errors a later attempt may get past; everything else is the deployment's to fix. */
const RETRYABLE = new Set(['ThrottlingException', 'TooManyRequestsException', 'ExecutionLimitExceeded', 'ServiceUnavailable', 'InternalServerError']);

/** What an operator should check, per error the IAM role or the configuration causes. */
const HINT: Record<string, string> = {
  AccessDeniedException: "the scheduler's AWS identity needs states:StartExecution and states:StopExecution on it (deploy/aws/scheduler-policy.json)",
  UnrecognizedClientException: "the scheduler's AWS credentials are not valid",
  StateMachineDoesNotExist: 'check MPR_SFN_STATE_MACHINE_ARN',
  InvalidArn: 'check MPR_SFN_STATE_MACHINE_ARN',
};

/**
 * A clear refusal from an AWS SDK error: the service, the operation, the
 * resource, the error's name and message; retryable for throttling, limits,
 * server faults and a control plane that could not be reached.
 */
export function awsRefusal(service: string, operation: string, resource: string, err: unknown): CloudExecutorRefusal {
  if (err instanceof CloudExecutorRefusal) return err;
  const e = (err ?? {}) as AwsError;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const answered = status !== undefined;
  const retryable = !answered || RETRYABLE.has(name) || e.$retryable?.throttling === true || e.$fault === 'server';
  const what = answered
    ? `${service} refused ${operation} on ${resource} (HTTP ${status} ${name}: ${e.message ?? ''})`
    : `${service} could not be reached for ${operation} on ${resource}: ${e.message ?? String(err)}`;
  const hint = HINT[name];
  return new CloudExecutorRefusal(hint ? `${what}; ${hint}` : what, retryable);
}
