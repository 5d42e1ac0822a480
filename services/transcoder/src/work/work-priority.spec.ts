import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Backlog, classesToSweep, emptyHeld, nextClass } from './work-priority';

function backlog(pending: [number, number, number], unacknowledged: [number, number, number] = [0, 0, 0]): Backlog {
  return {
    high: { pending: pending[0], unacknowledged: unacknowledged[0] },
    normal: { pending: pending[1], unacknowledged: unacknowledged[1] },
    low: { pending: pending[2], unacknowledged: unacknowledged[2] },
  };
}

describe('nextClass', () => {
  it('drains high before normal before low', () => {
    assert.equal(nextClass(backlog([1, 5, 9])), 'high');
    assert.equal(nextClass(backlog([0, 5, 9])), 'normal');
    assert.equal(nextClass(backlog([0, 0, 9])), 'low');
  });

  it('finds nothing when every class is empty, whatever is unacknowledged', () => {
    assert.equal(nextClass(backlog([0, 0, 0], [3, 3, 3])), undefined);
  });
});

describe('classesToSweep', () => {
  it('names the classes with more unacknowledged items than this replica holds, highest first', () => {
    assert.deepEqual(classesToSweep(backlog([0, 0, 0], [1, 0, 2]), emptyHeld()), ['high', 'low']);
    assert.deepEqual(classesToSweep(backlog([0, 0, 0], [1, 0, 2]), { high: 1, normal: 0, low: 1 }), ['low']);
  });

  it('names none when this replica holds every unacknowledged item', () => {
    assert.deepEqual(classesToSweep(backlog([0, 0, 0], [0, 2, 0]), { high: 0, normal: 2, low: 0 }), []);
  });
});
