import { createHash } from 'node:crypto';
import { SFNClient, type SFNClientConfig, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { Executor } from '@mpr/contracts/common_pb';
import { type CloudJobPayload, encodeCloudJobPayload } from '@mpr/core';
import { type CloudExecution, type CloudExecutor, CloudExecutorRefusal } from './cloud-executor';
import { awsRefusal } from './aws-refusal';

/** Step Functions limits an execution's name to 80 characters. */
const MAX_NAME = 80;

/**
 * `lambda`: each job attempt is one execution of the deployment's state
 * machine (deploy/aws/state-machine.asl.json), whose task invokes the
 * one-shot Lambda with the execution's input: the job's payload.
 *
 * The execution is named after the attempt: StartExecution with the name of a
 * running execution and the same input returns that execution instead of
 * starting a second one, and with another input is refused as
 * ExecutionAlreadyExists (for 90 days after it ended), which names that
 * execution too: a dispatch repeated after a crash starts nothing new.
 */
export class StepFunctionsExecutor implements CloudExecutor {
  readonly name = 'lambda' as const;
  readonly executor = Executor.LAMBDA;
  readonly startsOnce = true;
  private readonly client: SFNClient;

  /** `clientConfig` beyond the region the ARN names: the SDK's credential chain and endpoint variables apply otherwise. */
  constructor(
    private readonly stateMachineArn: string,
    clientConfig: SFNClientConfig = {},
  ) {
    this.client = new SFNClient({ region: stateMachineArn.split(':')[3], ...clientConfig });
  }

  async start(payload: CloudJobPayload): Promise<CloudExecution> {
    const command = new StartExecutionCommand({
      stateMachineArn: this.stateMachineArn,
      name: executionName(payload.jobId, payload.attempt),
      input: encodeCloudJobPayload(payload),
    });
    try {
      const { executionArn } = await this.client.send(command);
      if (!executionArn) throw new CloudExecutorRefusal('Step Functions answered StartExecution without an executionArn', true);
      return { executionId: executionArn };
    } catch (err) {
      // The attempt's execution exists already, started with another input (a payload read again after a crash, a
      // retry's callback URL moved): that execution is the attempt's run; a second one must not start.
      if ((err as { name?: string }).name === 'ExecutionAlreadyExists') return { executionId: executionArnOf(this.stateMachineArn, command.input.name!) };
      throw awsRefusal('Step Functions', 'StartExecution', this.stateMachineArn, err);
    }
  }

  async cancel(executionArn: string): Promise<void> {
    try {
      await this.client.send(new StopExecutionCommand({ executionArn, error: 'MPR.Cancelled', cause: 'the job attempt was cancelled or failed by MPR' }));
    } catch (err) {
      throw awsRefusal('Step Functions', 'StopExecution', executionArn, err);
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** `arn:aws:states:<region>:<account>:stateMachine:<machine>` → `…:execution:<machine>:<name>`, as Step Functions names an execution. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** `<jobId>-a<attempt>`, or a digest of it when that is longer than Step Functions allows. */
export function executionName(jobId: string, attempt: number): string {
  const name = `${jobId}-a${attempt}`;
  if (name.length <= MAX_NAME) return name;
  // 64 hex digits + `-a<attempt>` stays within the limit.
  return `${createHash('sha256').update(jobId).digest('hex')}-a${attempt}`;
}
