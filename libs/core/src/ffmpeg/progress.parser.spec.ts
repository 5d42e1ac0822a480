import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etaSeconds, ProgressParser, type ProgressSnapshot, progressPercent } from './progress.parser';

/** What ffmpeg 5.1 prints with `-progress pipe:1` (taken from a real run). */
const BLOCK_1 = [
  'frame=1',
  'fps=0.00',
  'stream_0_0_q=0.0',
  'bitrate=   2.4kbits/s',
  'total_size=48',
  'out_time_us=162540',
  'out_time_ms=162540',
  'out_time=00:00:00.162540',
  'dup_frames=0',
  'drop_frames=0',
  'speed=25.7x',
  'progress=continue',
  '',
].join('\n');
const BLOCK_END = [
  'frame=20',
  'fps=12.50',
  'stream_0_0_q=-1.0',
  'bitrate= 254.5kbits/s',
  'total_size=64268',
  'out_time_us=2020136',
  'out_time_ms=2020136',
  'out_time=00:00:02.020136',
  'dup_frames=0',
  'drop_frames=0',
  'speed=40.8x',
  'progress=end',
  '',
].join('\n');

const FIRST: ProgressSnapshot = { outTimeSeconds: 0.16254, fps: 0, speed: 25.7, frame: 1, done: false };
const LAST: ProgressSnapshot = { outTimeSeconds: 2.020136, fps: 12.5, speed: 40.8, frame: 20, done: true };

describe('ProgressParser', () => {
  it('emits one snapshot per block and marks the end block done', () => {
    assert.deepStrictEqual(new ProgressParser().push(BLOCK_1 + BLOCK_END), [FIRST, LAST]);
  });

  it('emits nothing until a block is complete', () => {
    const parser = new ProgressParser();
    assert.deepStrictEqual(parser.push(BLOCK_1.slice(0, -'progress=continue\n'.length)), []);
    assert.deepStrictEqual(parser.push('progress=continue\n'), [FIRST]);
  });

  it('gives the same snapshots however the text is cut into chunks', () => {
    const text = BLOCK_1 + BLOCK_END;
    for (const size of [1, 2, 3, 7, 13, 64]) {
      const parser = new ProgressParser();
      const snapshots: ProgressSnapshot[] = [];
      for (let i = 0; i < text.length; i += size) snapshots.push(...parser.push(text.slice(i, i + size)));
      assert.deepStrictEqual(snapshots, [FIRST, LAST], `chunks of ${size}`);
    }
  });

  it('waits for the newline: a line cut inside its value is not read early', () => {
    const parser = new ProgressParser();
    assert.deepStrictEqual(parser.push('out_time_us=1000000\nprogress=cont'), []);
    assert.deepStrictEqual(parser.push('inue\nout_time_us=2'), [snapshotAt(1)]);
    assert.deepStrictEqual(parser.push('500000\nprogress=end\n'), [{ ...snapshotAt(2.5), done: true }]);
  });

  it('reads an audio encode: no frames, padded speed, out_time_ms alone as microseconds', () => {
    const audio = 'bitrate=  66.1kbits/s\ntotal_size=16839\nout_time_ms=2038617\nspeed= 159x\nprogress=end\n';
    assert.deepStrictEqual(new ProgressParser().push(audio), [{ outTimeSeconds: 2.038617, fps: 0, speed: 159, frame: 0, done: true }]);
  });

  it('keeps the last known values where ffmpeg prints N/A, and reads a negative start time as 0', () => {
    const parser = new ProgressParser();
    assert.deepStrictEqual(parser.push('out_time_us=-23220\nspeed=N/A\nprogress=continue\n'), [snapshotAt(0)]);
    parser.push(BLOCK_1);
    assert.deepStrictEqual(parser.push('frame=2\nout_time_us=N/A\nspeed=N/A\nprogress=continue\n'), [{ ...FIRST, frame: 2 }]);
  });

  it('accepts CRLF line ends', () => {
    assert.deepStrictEqual(new ProgressParser().push(BLOCK_END.replaceAll('\n', '\r\n')), [LAST]);
  });
});

/** A snapshot with only the output time known. */
function snapshotAt(outTimeSeconds: number): ProgressSnapshot {
  return { outTimeSeconds, fps: 0, speed: 0, frame: 0, done: false };
}

describe('progressPercent', () => {
  it('is the share of the expected duration written', () => {
    assert.equal(progressPercent(2.5, 10), 25);
  });

  it('stays within 0..100', () => {
    assert.equal(progressPercent(10.04, 10), 100);
    assert.equal(progressPercent(-1, 10), 0);
  });

  it('is 0 while the expected duration is unknown', () => {
    assert.equal(progressPercent(3, 0), 0);
    assert.equal(progressPercent(3, Number.NaN), 0);
  });
});

describe('etaSeconds', () => {
  it('is the output left divided by the speed', () => {
    assert.equal(etaSeconds(4, 10, 2), 3);
  });

  it('is 0 once the output is complete', () => {
    assert.equal(etaSeconds(10.5, 10, 2), 0);
  });

  it('is unknown while the speed is', () => {
    assert.equal(etaSeconds(4, 10, 0), undefined);
    assert.equal(etaSeconds(4, 10, Number.POSITIVE_INFINITY), undefined);
  });
});
