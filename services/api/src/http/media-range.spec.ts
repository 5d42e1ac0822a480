import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRange, type RangeAnswer } from './media-range';

const full: RangeAnswer = { kind: 'full' };
const unsatisfiable: RangeAnswer = { kind: 'unsatisfiable' };
const partial = (start: number, end: number): RangeAnswer => ({ kind: 'partial', start, end });

describe('parseRange', () => {
  const cases: [header: string | undefined, size: number, expected: RangeAnswer][] = [
    [undefined, 100, full],
    ['bytes=0-9', 100, partial(0, 9)],
    ['bytes=10-19', 100, partial(10, 19)],
    ['bytes=99-99', 100, partial(99, 99)],
    ['bytes=50-', 100, partial(50, 99)],
    ['bytes=0-', 100, partial(0, 99)],
    ['bytes=90-200', 100, partial(90, 99)],
    ['bytes=0-99999999999999999999999', 100, partial(0, 99)],
    ['bytes=-10', 100, partial(90, 99)],
    ['bytes=-100', 100, partial(0, 99)],
    ['bytes=-500', 100, partial(0, 99)],
    ['BYTES = 1 - 2 ', 100, partial(1, 2)],
    ['bytes=100-', 100, unsatisfiable],
    ['bytes=100-200', 100, unsatisfiable],
    ['bytes=-0', 100, unsatisfiable],
    ['bytes=0-', 0, unsatisfiable],
    ['bytes=-5', 0, unsatisfiable],
    // Ignored, so the whole file is sent.
    ['bytes=5-2', 100, full],
    ['bytes=0-1,5-9', 100, full],
    ['bytes=-', 100, full],
    ['bytes=a-b', 100, full],
    ['bytes=-1-2', 100, full],
    ['items=0-9', 100, full],
    ['', 100, full],
  ];
  for (const [header, size, expected] of cases) {
    it(`${JSON.stringify(header)} of ${size} bytes → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(parseRange(header, size), expected);
    });
  }
});
