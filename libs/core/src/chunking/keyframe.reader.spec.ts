import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readKeyframeProbe } from './keyframe.reader';

describe('readKeyframeProbe', () => {
  it("reads the keyframes' times, sorted and once each, and the input's start time", () => {
    const csv = [
      'packet,2.000000,K_',
      'packet,0.066667,__',
      'packet,0.000000,K_',
      'packet,2.000000,K_',
      'packet,N/A,K_',
      'packet,4.004000,K__',
      'format,0.000000',
      '',
    ].join('\n');
    assert.deepEqual(readKeyframeProbe(csv), { keyframes: [0, 2, 4.004], formatStart: 0 });
  });

  it("counts from the input's start time, as ffmpeg does when it cuts (MPEG-TS)", () => {
    const csv = 'packet,1.480000,K_,side_data,\npacket,1.520000,__,side_data,\npacket,2.480000,K_,side_data,\nformat,1.458667\n';
    assert.deepEqual(readKeyframeProbe(csv), { keyframes: [0.021333, 1.021333], formatStart: 1.458667 });
  });

  it('leaves the start time undefined when ffprobe does not know it', () => {
    assert.deepEqual(readKeyframeProbe('packet,1.400000,K_\nformat,N/A\n'), { keyframes: [1.4], formatStart: undefined });
    assert.deepEqual(readKeyframeProbe('packet,1.400000,K_\n'), { keyframes: [1.4], formatStart: undefined });
  });
});
