import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { segmentProgress } from './gateway.messages';

const subject = 'mpr.chunker.job-1.a3';
const report = (body: object | string, on = subject) => segmentProgress({ subject: on, data: typeof body === 'string' ? body : JSON.stringify(body) }, 'job-1');

describe('segmentProgress (a worker’s segment report as the pipeline stream sends it)', () => {
  it('turns encoded seconds of the segment’s length into a percent, 100 once done', () => {
    const running = report({ index: 2, outTimeSeconds: 1.5, durationSeconds: 6 });
    assert.deepEqual(
      [
        running?.jobId,
        running?.attempt,
        running?.segmentIndex,
        running?.audio,
        running?.encodedSeconds,
        running?.durationSeconds,
        running?.percent,
        running?.done,
      ],
      ['job-1', 3, 2, false, 1.5, 6, 25, false],
    );
    assert.equal(report({ index: 2, outTimeSeconds: 6.04, durationSeconds: 6 })?.percent, 100);
    const done = report({ index: 2, outTimeSeconds: 6, durationSeconds: 6, done: true });
    assert.equal(done?.percent, 100);
    assert.equal(done?.encodedSeconds, 6);
  });

  it('the audio reports only its start and end; a report without a length (an older chunker) says 0 % until done', () => {
    const audio = report({ index: 4, outTimeSeconds: 0, durationSeconds: 10, audio: true, done: true });
    assert.equal(audio?.audio, true);
    assert.equal(audio?.percent, 100);
    assert.equal(audio?.encodedSeconds, 0);
    assert.equal(report({ index: 1, outTimeSeconds: 2 })?.percent, 0);
  });

  it('drops what is not a report: bad JSON, no index, a subject without an attempt', () => {
    assert.equal(report('{not json'), undefined);
    assert.equal(report({ outTimeSeconds: 1 }), undefined);
    assert.equal(report({ index: -1 }), undefined);
    assert.equal(report({ index: 1, outTimeSeconds: 'x' }), undefined);
    assert.equal(report({ index: 1 }, 'mpr.chunker.job-1.capacity'), undefined);
  });
});
