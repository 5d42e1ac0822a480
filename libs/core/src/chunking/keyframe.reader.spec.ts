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
    // And a packet without a time (AVI) leaves the frames unknown
    assert.deepEqual(readKeyframeProbe(csv), { keyframes: [0, 2, 4.004], formatStart: 0, frames: undefined });
  });

  it("lists every packet's time as the source's frames, sorted, on the keyframes' timeline", () => {
    const csv = ['packet,-0.007000,K_', 'packet,0.113000,__', 'packet,0.033000,__', 'packet,0.073000,__', 'format,-0.007000', ''].join('\n');
    assert.deepEqual(readKeyframeProbe(csv), { keyframes: [0], formatStart: -0.007, frames: [0, 0.04, 0.08, 0.12] });
  });

  it("counts from the input's start time, as ffmpeg does when it cuts (MPEG-TS)", () => {
    const csv = 'packet,1.480000,K_,side_data,\npacket,1.520000,__,side_data,\npacket,2.480000,K_,side_data,\nformat,1.458667\n';
    assert.deepEqual(readKeyframeProbe(csv), { keyframes: [0.021333, 1.021333], formatStart: 1.458667, frames: [0.021333, 0.061333, 1.021333] });
  });

  it('leaves the start time undefined when ffprobe does not know it', () => {
    assert.deepEqual(readKeyframeProbe('packet,1.400000,K_\nformat,N/A\n'), { keyframes: [1.4], formatStart: undefined, frames: [1.4] });
    assert.deepEqual(readKeyframeProbe('packet,1.400000,K_\n'), { keyframes: [1.4], formatStart: undefined, frames: [1.4] });
  });
});
