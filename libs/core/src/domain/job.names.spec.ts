import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { EXECUTORS, executorName, executorNamed, PRIORITY_CLASSES, priorityClass, priorityNamed } from './job.names';

describe('job names', () => {
  it('every executor name stands for its Executor and back', () => {
    assert.deepEqual(EXECUTORS, ['local', 'lambda', 'gcp']);
    assert.deepEqual(
      EXECUTORS.map((name) => executorNamed(name)),
      [Executor.LOCAL, Executor.LAMBDA, Executor.GCP],
    );
    for (const name of EXECUTORS) assert.equal(executorName(executorNamed(name)!), name);
  });

  it('an unspecified executor has no name: the default applies', () => {
    assert.equal(executorName(Executor.UNSPECIFIED), undefined);
  });

  it('priority classes are in the order they are drained, unspecified runs as normal', () => {
    assert.deepEqual(PRIORITY_CLASSES, ['high', 'normal', 'low']);
    assert.deepEqual([Priority.HIGH, Priority.NORMAL, Priority.LOW, Priority.UNSPECIFIED].map(priorityClass), ['high', 'normal', 'low', 'normal']);
  });

  it('names are read in any case; others stand for nothing', () => {
    assert.equal(executorNamed(' LAMBDA '), Executor.LAMBDA);
    assert.equal(priorityNamed('High'), Priority.HIGH);
    assert.equal(executorNamed('aws'), undefined);
    assert.equal(priorityNamed('urgent'), undefined);
    assert.equal(priorityNamed('constructor'), undefined);
  });
});
