import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildKeyframeProbe, buildRangeFramesProbe } from '../chunking/keyframe.reader';
import { buildStitchProbe } from '../chunking/stitch.verifier';
import { buildMediaProbe, buildPacketTailProbe } from '../media/probe.mapper';
import { ffprobeArgv } from './ffprobe-command';
import { INPUT_FORMAT_WHITELIST } from '../media/media-types';

const CONFINED = ['-protocol_whitelist', 'file,pipe', '-format_whitelist', INPUT_FORMAT_WHITELIST.join(',')];

describe('ffprobe commands: the argv that reaches ffprobe', () => {
  it('the asset probe: every stream and the container as JSON', () => {
    assert.deepEqual(ffprobeArgv(buildMediaProbe('/in/a.mp4')), [
      ...['-v', 'error', ...CONFINED],
      ...['-show_format', '-show_streams', '-print_format', 'json', '-i', 'file:/in/a.mp4'],
    ]);
  });

  it('the packet tail: every stream from a time (to the millisecond, rounded down), to the end', () => {
    assert.deepEqual(ffprobeArgv(buildPacketTailProbe('/in/late.mkv', 3.7789999)), [
      ...['-v', 'error', ...CONFINED, '-read_intervals', '3.778%'],
      ...['-show_entries', 'packet=stream_index,pts_time,duration_time', '-print_format', 'csv=p=0', '-i', 'file:/in/late.mkv'],
    ]);
    assert.deepEqual(ffprobeArgv(buildPacketTailProbe('/in/short.mkv', -2)), [
      ...['-v', 'error', ...CONFINED, '-read_intervals', '0%'],
      ...['-show_entries', 'packet=stream_index,pts_time,duration_time', '-print_format', 'csv=p=0', '-i', 'file:/in/short.mkv'],
    ]);
  });

  it('the keyframe probe: every video packet, or only a 2 s window after each time asked about', () => {
    const show = ['-show_entries', 'packet=pts_time,flags:format=start_time', '-print_format', 'csv=p=1', '-i', 'file:/in/a.mp4'];
    assert.deepEqual(ffprobeArgv(buildKeyframeProbe('/in/a.mp4')), ['-v', 'error', ...CONFINED, '-select_streams', 'V:0', ...show]);
    assert.deepEqual(ffprobeArgv(buildKeyframeProbe('/in/a.mp4', [])), ['-v', 'error', ...CONFINED, '-select_streams', 'V:0', ...show]);
    assert.deepEqual(ffprobeArgv(buildKeyframeProbe('/in/a.mp4', [8, 16.033333, -1])), [
      ...['-v', 'error', ...CONFINED, '-select_streams', 'V:0', '-read_intervals', '8%+2,16.033333%+2,0%+2'],
      ...show,
    ]);
  });

  it("the range's frames: the video packets from the range's start to a window past its end", () => {
    assert.deepEqual(ffprobeArgv(buildRangeFramesProbe('/in/a.mp4', { start: 66.4, end: 68.2 })), [
      ...['-v', 'error', ...CONFINED, '-select_streams', 'V:0', '-read_intervals', '66.4%70.2'],
      ...['-show_entries', 'packet=pts_time,flags:format=start_time', '-print_format', 'csv=p=1', '-i', 'file:/in/a.mp4'],
    ]);
    // A range starting before 0 on the input's clock (Opus pre-skip) is read from 0
    assert.deepEqual(ffprobeArgv(buildRangeFramesProbe('/in/a.webm', { start: -0.007, end: 2.001 })), [
      ...['-v', 'error', ...CONFINED, '-select_streams', 'V:0', '-read_intervals', '0%4.001'],
      ...['-show_entries', 'packet=pts_time,flags:format=start_time', '-print_format', 'csv=p=1', '-i', 'file:/in/a.webm'],
    ]);
  });

  it('the stitch probe: packets counted, streams and format as JSON', () => {
    assert.deepEqual(ffprobeArgv(buildStitchProbe('/work/job/out.mp4')), [
      ...['-v', 'error', ...CONFINED, '-count_packets'],
      ...['-show_format', '-show_streams', '-print_format', 'json', '-i', 'file:/work/job/out.mp4'],
    ]);
  });
});
