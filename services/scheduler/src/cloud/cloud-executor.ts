import type { Executor } from '@mpr/contracts/common_pb';
import type { CloudJobPayload } from '@mpr/core';

export type CloudExecutorName = 'lambda' | 'gcp';

/** One started run of a job attempt in a cloud control plane. */
export interface CloudExecution {
  /** What the control plane calls it (a Step Functions execution ARN, a Cloud Run execution name): recorded as the attempt's worker. */
  readonly executionId: string;
}

/**
 * A cloud control plane that runs one job attempt per execution. Both calls
 * throw CloudExecutorRefusal when the control plane answers with an error.
 */
export interface CloudExecutor {
  readonly name: CloudExecutorName;
  /** The contracts' value a JobStarted records. */
  readonly executor: Executor;
  /**
   * True when the control plane itself refuses a second run of one attempt (Step Functions: the execution name);
   * false when asking twice starts two (Cloud Run's RunJob): the scheduler replicas then claim the attempt first.
   */
  readonly startsOnce: boolean;
  start(payload: CloudJobPayload): Promise<CloudExecution>;
  /** Stops the execution; one that has already ended is left as it is. */
  cancel(executionId: string): Promise<void>;
}

/**
 * The control plane said no. `retryable` for what another attempt later may
 * get past (throttling, the service unavailable); not for what needs an
 * operator (access denied, a state machine or job that does not exist).
 */
export class CloudExecutorRefusal extends Error {
  override readonly name = 'CloudExecutorRefusal';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
