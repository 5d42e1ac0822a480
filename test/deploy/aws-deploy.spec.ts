import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import aslValidator from 'asl-validator';
import { executionName } from '../../services/scheduler/src/cloud/step-functions.executor';

/** deploy/aws as a deployment reads it: the ${…} placeholders replaced (deploy/aws/README.md). */
const DEPLOY = resolve(__dirname, '../../../deploy/aws');
const VALUES: Record<string, string> = {
  TranscodeFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:mpr-transcode',
  Region: 'eu-west-1',
  AccountId: '123456789012',
  FileSystemId: 'fs-0123456789abcdef0',
  AccessPointId: 'fsap-0123456789abcdef0',
  InputBucket: 'studio-media',
  InputPrefix: 'uploads',
  OutputBucket: 'studio-media',
  OutputPrefix: 'renders',
};

function deployed(file: string): any {
  const text = readFileSync(resolve(DEPLOY, file), 'utf8').replace(/\$\{(\w+)\}/g, (_, name: string) => {
    assert.ok(name in VALUES, `placeholder ${name} in ${file} is documented`);
    return VALUES[name];
  });
  return JSON.parse(text);
}

interface Statement {
  Action: string | string[];
  Resource: string | string[];
}
const actions = (policy: { Statement: Statement[] }) => policy.Statement.flatMap((s) => [s.Action].flat());

describe('deploy/aws', () => {
  const machine = deployed('state-machine.asl.json');

  it('the state machine is valid Amazon States Language (asl-validator)', () => {
    const { isValid, errors } = aslValidator(machine, { checkPaths: true, checkArn: true });
    assert.deepEqual(errors, []);
    assert.equal(isValid, true);
  });

  it('asl-validator would catch a broken one (a Catch to a state that does not exist)', () => {
    const broken = structuredClone(machine);
    broken.States.Transcode.Catch[0].Next = 'Nowhere';
    assert.equal(aslValidator(broken).isValid, false);
  });

  it('invokes the Lambda with the execution input (the job payload), retries AWS-side failures and catches the rest into a Fail state', () => {
    const task = machine.States[machine.StartAt];
    assert.equal(task.Resource, 'arn:aws:states:::lambda:invoke');
    assert.equal(task.Parameters['Payload.$'], '$');
    assert.equal(task.Parameters.FunctionName, VALUES.TranscodeFunctionArn);
    const retried = task.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals);
    for (const error of ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'States.TaskFailed']) assert.ok(retried.includes(error), error);
    assert.deepEqual(task.Catch[0].ErrorEquals, ['States.ALL']);
    assert.equal(machine.States[task.Catch[0].Next].Type, 'Fail');
    assert.ok(task.TimeoutSeconds <= 900, 'within Lambda’s 15 minutes');
    assert.ok(machine.TimeoutSeconds < 3600, 'ends before the scheduler’s default deadline (MPR_CLOUD_JOB_DEADLINE_SECONDS=3600)');
  });

  it('the scheduler may start executions of the state machine and stop the ones it names', () => {
    const policy = deployed('scheduler-policy.json');
    assert.deepEqual(actions(policy).sort(), ['states:StartExecution', 'states:StopExecution']);
    const stop = policy.Statement.find((s: Statement) => s.Action === 'states:StopExecution');
    const pattern = new RegExp(`^${String(stop.Resource).replace(/[.]/g, '\\.').replace('*', '.*')}$`);
    const arn = `arn:aws:states:eu-west-1:123456789012:execution:mpr-transcode:${executionName('7b0c3a52-5f0e-4c1e-9d7a-0c8f6f1f2a10', 2)}`;
    assert.match(arn, pattern);
  });

  it('the state machine may invoke only the transcoder; the Lambda may log and mount its media', () => {
    assert.deepEqual(actions(deployed('state-machine-policy.json')), ['lambda:InvokeFunction']);
    const lambda = actions(deployed('lambda-policy.json'));
    for (const action of ['logs:PutLogEvents', 'elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite']) assert.ok(lambda.includes(action), action);
    assert.equal(deployed('lambda-trust.json').Statement[0].Principal.Service, 'lambda.amazonaws.com');
    // Bucket roots: read the input prefix (listing it, so a missing source is a 404, not a 403), write only staged
    // outputs under the output prefix (a multipart upload is PutObject; an interrupted one is aborted). No delete:
    // the API publishes the staged object and removes it.
    const s3 = deployed('lambda-s3-policy.json') as { Statement: Array<Statement & { Condition?: unknown }> };
    assert.deepEqual(actions(s3).sort(), ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    const on = (action: string) => s3.Statement.find((s) => [s.Action].flat().includes(action));
    assert.equal(on('s3:GetObject')?.Resource, 'arn:aws:s3:::studio-media/uploads/*');
    assert.equal(on('s3:PutObject')?.Resource, 'arn:aws:s3:::studio-media/renders/*');
    assert.deepEqual(on('s3:ListBucket')?.Condition, { StringLike: { 's3:prefix': ['uploads/*'] } });
    assert.equal(deployed('state-machine-trust.json').Statement[0].Principal.Service, 'states.amazonaws.com');
  });
});
