import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildKeyframeProbeArgs, contentDuration, readKeyframeProbe } from './keyframe.reader';

describe('readKeyframeProbe', () => {
  it("reads the keyframes' times, sorted and once each, and the input's start time", () => {
    const csv = ['packet,2.000000,0.033333,K_', 'packet,4.070667,0.033333,__', 'packet,0.000000,0.033333,K_', 'packet,2.000000,0.033333,K_', 'packet,N/A,0.033333,K_', 'packet,4.004000,0.033333,K__', 'format,0.000000', ''].join('\n');
    assert.deepEqual(readKeyframeProbe(csv), { keyframes: [0, 2, 4.004], formatStart: 0, lastPacketEnd: 4.104 });
  });

  it("counts from the input's start time, as ffmpeg does when it cuts (MPEG-TS)", () => {
    const csv = 'packet,1.480000,0.040000,K_,side_data,\npacket,1.520000,0.040000,__,side_data,\npacket,2.480000,0.040000,K_,side_data,\nformat,1.458667\n';
    assert.deepEqual(readKeyframeProbe(csv), { keyframes: [0.021333, 1.021333], formatStart: 1.458667, lastPacketEnd: 1.061333 });
  });

  it('leaves the start time undefined when ffprobe does not know it, and the end too when no packet has a time', () => {
    assert.deepEqual(readKeyframeProbe('packet,1.400000,N/A,K_\nformat,N/A\n'), { keyframes: [1.4], formatStart: undefined, lastPacketEnd: 1.4 });
    assert.deepEqual(readKeyframeProbe('packet,1.400000,0.040000,K_\n'), { keyframes: [1.4], formatStart: undefined, lastPacketEnd: 1.44 });
    assert.deepEqual(readKeyframeProbe('packet,N/A,0.040000,K_\nformat,0.000000\n'), { keyframes: [], formatStart: 0 });
  });
});

describe('contentDuration', () => {
  it("is the container's duration unless the video ends more than a frame earlier, never longer", () => {
    // A Matroska written with -output_ts_offset 1.4: 7.4 s declared, 6.021 s of video from its start.
    assert.equal(contentDuration(7.4, { keyframes: [0.021], formatStart: 1.379, lastPacketEnd: 6.021 }, 25), 6.021);
    assert.equal(contentDuration(6.021, { keyframes: [0.021], formatStart: 0, lastPacketEnd: 6.5 }, 25), 6.021);
    // The audio 10 ms past the video: the declared duration stands.
    assert.equal(contentDuration(20.031, { keyframes: [0.021], formatStart: 1.379, lastPacketEnd: 20.021 }, 25), 20.031);
    assert.equal(contentDuration(6, { keyframes: [0] }, 25), 6);
    assert.equal(contentDuration(6, { keyframes: [], lastPacketEnd: 0 }, 25), 6);
  });
});

describe('buildKeyframeProbeArgs', () => {
  it('reads every packet, or only a 2 s window after each time asked about', () => {
    assert.equal(buildKeyframeProbeArgs('/in/a.mp4').includes('-read_intervals'), false);
    const args = buildKeyframeProbeArgs('/in/a.mp4', [8, 16.033333]);
    assert.equal(args[args.indexOf('-read_intervals') + 1], '8%+2,16.033333%+2');
    assert.equal(args.at(-1), 'file:/in/a.mp4');
  });
});
