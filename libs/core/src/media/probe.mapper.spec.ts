import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  audioPacketsLength,
  audioSpanDecoded,
  believedEnd,
  contentLength,
  decodedAudioSpan,
  decodedWhole,
  lateStart,
  mapProbe,
  packetEnds,
  parseRate,
  sampleTimedEnd,
  streamSpans,
} from './probe.mapper';

describe('mapProbe', () => {
  it('reads the first real video stream and the first audio stream', () => {
    const probe = mapProbe({
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '12.5', bit_rate: '800000' },
      streams: [
        { codec_type: 'video', codec_name: 'mjpeg', width: 600, height: 600, disposition: { attached_pic: 1 } },
        { codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, avg_frame_rate: '30000/1001' },
        { codec_type: 'audio', codec_name: 'aac', channels: 2, sample_rate: '48000' },
      ],
    });
    assert.deepEqual(probe, {
      duration: 12.5,
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      videoCodec: 'h264',
      audioCodec: 'aac',
      width: 1920,
      height: 1080,
      framerate: 29.97,
      bitrate: 800000,
      audioChannels: 2,
      audioSampleRate: 48000,
      rotation: 0,
    });
  });

  it("records the video's display matrix rotation as 0, 90, 180 or 270 (a phone clip shot upright)", () => {
    const rotated = (rotation: number) =>
      mapProbe({
        format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '1.5' },
        streams: [{ codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, side_data_list: [{ side_data_type: 'Display Matrix', rotation }] }],
      }).rotation;
    assert.deepEqual([90, -90, -180, 180, 270, 0].map(rotated), [90, 270, 180, 180, 270, 0]);
  });

  it('treats cover art alone as audio-only', () => {
    const probe = mapProbe({
      format: { duration: '3' },
      streams: [
        { codec_type: 'video', codec_name: 'png', disposition: { attached_pic: 1 } },
        { codec_type: 'audio', codec_name: 'mp3', channels: 2, sample_rate: '44100' },
      ],
    });
    assert.equal(probe.videoCodec, '');
    assert.equal(probe.width, 0);
  });

  it('refuses a file with neither audio nor video', () => {
    assert.throws(() => mapProbe({ streams: [{ codec_type: 'data' }] }), /no audio or video stream/);
  });

  it('parses frame rates', () => {
    assert.equal(parseRate('25/1'), 25);
    assert.equal(parseRate('0/0'), 0);
    assert.equal(parseRate(undefined), 0);
    assert.equal(parseRate('24'), 24);
  });
});

describe('AVI', () => {
  const avi = (avg: string, r: string, format_name = 'avi') =>
    mapProbe({ format: { format_name, duration: '0.8' }, streams: [{ codec_type: 'video', codec_name: 'mpeg1video', avg_frame_rate: avg, r_frame_rate: r }] }).framerate;

  it('takes the rate the frames step at when the average counts the container ticks (MPEG-1 at 30 fps ticking at 60)', () => {
    assert.equal(avi('60/1', '30/1'), 30);
    assert.equal(avi('25/1', '25/1'), 25);
    assert.equal(avi('0/0', '30/1'), 30);
  });

  it('keeps the average elsewhere, where it counts what a variable rate shows', () => {
    assert.equal(avi('60/1', '30/1', 'matroska,webm'), 60);
    assert.equal(avi('15/1', '25/1', 'matroska,webm'), 15);
  });

  it("sums the kept audio stream's packet durations, to the microsecond, skipping other streams and N/A; none is undefined", () => {
    const output = { streams: [{ index: 0, codec_type: 'video' }, { index: 1, codec_type: 'audio' }, { index: 2, codec_type: 'audio' }] };
    const packets = '0,0.000000,0.040000\n1,0.000000,0.052245\n1,0.052245,0.052245\n2,0.000000,0.5\n1,N/A,N/A\n0,0.040000,0.040000\n1,0.104490,0.052245\n\n';
    assert.equal(audioPacketsLength(output, packets), 0.156735);
    assert.equal(audioPacketsLength(output, ''), undefined);
    assert.equal(audioPacketsLength(output, '1,0.000000,N/A\n0,0.000000,0.040000\n'), undefined);
    assert.equal(audioPacketsLength({ streams: [{ index: 0, codec_type: 'video' }] }, packets), undefined, 'no audio stream');
  });
});

describe('sampleTimedEnd', () => {
  it("ends the audio where its samples end, and keeps the timestamps' end when they run past it (1.2 s of MP3 stamped over 2.35 s)", () => {
    assert.deepStrictEqual(sampleTimedEnd({ audioStart: 0, audioEnd: 2.351021 }, 1.201635), { audioEnd: 1.201635, audioStampedEnd: 2.351021 });
    assert.deepStrictEqual(sampleTimedEnd({ audioStart: 0.5, audioEnd: 9 }, 1), { audioEnd: 1.5, audioStampedEnd: 9 });
  });

  it('says nothing more when the two agree within a frame or two, or the timestamps show no end', () => {
    assert.deepStrictEqual(sampleTimedEnd({ audioStart: 0, audioEnd: 1.1755 }, 1.17549), { audioEnd: 1.17549 });
    assert.deepStrictEqual(sampleTimedEnd({ audioStart: 0, audioEnd: 1.25 }, 1.2), { audioEnd: 1.2 });
    assert.deepStrictEqual(sampleTimedEnd({}, 2), { audioEnd: 2 });
  });
});

describe('late clocks', () => {
  it('names the start time only when the clock starts late', () => {
    assert.equal(lateStart({ format: { start_time: '1.379000' } }), 1.379);
    assert.equal(lateStart({ format: { start_time: '0.000000' } }), undefined);
    assert.equal(lateStart({ format: { start_time: 'N/A' } }), undefined);
    assert.equal(lateStart({}), undefined);
  });

  it("is where the last packet ends, from the start, when the container declares more; never more than declared", () => {
    // Matroska written with -output_ts_offset 1.4: declares 7.4 s (its last timestamp), holds 6.021 s from 1.379.
    assert.equal(contentLength(7.4, 1.379, packetEnds('0,7.320000,0.040000\n0,7.360000,0.040000\n1,7.339000,0.021333\n')), 6.021);
    // An MPEG-TS whose duration is already its length.
    assert.equal(contentLength(60, 1.4, packetEnds('0,61.366667,0.033333\n')), 60);
    assert.equal(contentLength(60, 1.4, packetEnds('0,61.366667,0.033333\n1,61.390000,0.021333\n')), 60);
    assert.equal(contentLength(7.4, 1.379, packetEnds('')), 7.4);
    assert.equal(contentLength(7.4, 1.379, packetEnds('0,N/A,0.04\n')), 7.4);
  });
});

describe('stream spans', () => {
  it('reads where each stream ends from its own last packet, a trailing side-data field and N/A durations aside', () => {
    // ffprobe 5.1 on a WebM (VP8 + Opus): the last audio line carries an empty side-data field.
    const ends = packetEnds('0,5.500000,0.033000\n1,5.534000,0.020000\n0,5.507000,N/A\n1,5.554000,0.020000,\n\n');
    assert.deepEqual([...ends], [
      [0, 5.533],
      [1, 5.574],
    ]);
  });

  it("ends fixed-frame audio in MP4/3GP where its last frame, decoded whole, ends, not where the edit list shortens it", () => {
    // ffprobe 5.1 on 2 s of 16 kHz AAC in 3GP: the last packet is cut to 16 ms of its 64 ms; ffmpeg decodes all 64
    const tail = '1,1.920000,0.064000\n0,1.933333,0.066667\n1,1.984000,0.016000\n';
    const output = (format: string, codec: string) => ({
      format: { format_name: format },
      streams: [
        { index: 0, codec_type: 'video', codec_name: 'h263' },
        { index: 1, codec_type: 'audio', codec_name: codec },
      ],
    });
    const mov = output('mov,mp4,m4a,3gp,3g2,mj2', 'aac');
    assert.deepEqual([...decodedWhole(mov)], [1]);
    assert.deepEqual([...packetEnds(tail, decodedWhole(mov))], [
      [1, 2.048],
      [0, 2],
    ]);
    // Without the edit list's cut (Matroska), or for audio whose last packet is really short (PCM), as declared
    for (const other of [output('matroska,webm', 'aac'), output('mov,mp4,m4a,3gp,3g2,mj2', 'pcm_s16le')]) {
      assert.deepEqual([...decodedWhole(other)], []);
      assert.equal(packetEnds(tail, decodedWhole(other)).get(1), 2);
    }
  });

  it("does not believe a packet's duration that runs far past the container's end: it ends at its time", () => {
    // ffprobe 5.1 on a stream copy of a 0.872 s Ogg Vorbis file: the last packet "lasts" 44739 s
    const until = believedEnd({ format: { start_time: '0.000000' } }, 0.872229);
    assert.deepEqual([...packetEnds('0,0.862000,0.010667\n0,0.872667,44739.242229,\n', new Set(), until)], [[0, 0.872667]]);
    // A last AAC frame decoded whole, 48 ms past the declared 2 s, is believed
    assert.equal(packetEnds('1,1.984000,0.064000\n', new Set(), believedEnd({}, 2)).get(1), 2.048);
  });

  it('gives each kept stream its start and end on the media timeline, from packets where the tail has them', () => {
    // Given an MP4 whose AAC audio (5.568 s) outlasts its 166-frame video at 30 fps by 35 ms, and a stream of cover art
    const output = {
      format: { start_time: '0.000000', duration: '5.568000' },
      streams: [
        { index: 0, codec_type: 'video', disposition: { attached_pic: 1 }, start_time: '0.000000', duration: '0.04' },
        { index: 1, codec_type: 'video', start_time: '0.000000', duration: '5.533333' },
        { index: 2, codec_type: 'audio', start_time: '0.000000', duration: '5.568000' },
      ],
    };
    // When only the audio's last packet is in the tail
    const spans = streamSpans(output, new Map([[2, 5.568]]));
    // Then the video ends where it declares, the audio where its packet does
    assert.deepEqual(spans, { videoStart: 0, videoEnd: 5.533333, audioStart: 0, audioEnd: 5.568 });
  });

  it('measures from the clock origin, a negative one (Opus pre-skip) too, and leaves unknown ends unset', () => {
    // Given a WebM starting at -0.007 s whose streams declare no duration (Matroska)
    const output = {
      format: { start_time: '-0.007000', duration: '5.576000' },
      streams: [
        { index: 0, codec_type: 'video', start_time: '0.007000' },
        { index: 1, codec_type: 'audio', start_time: '-0.007000' },
      ],
    };
    assert.deepEqual(streamSpans(output, new Map([[0, 5.54]])), { videoStart: 0.014, videoEnd: 5.547, audioStart: 0, audioEnd: undefined });
  });

  it('has no spans for a stream the file lacks', () => {
    assert.deepEqual(streamSpans({ streams: [{ index: 0, codec_type: 'audio', start_time: '0', duration: '1.175510' }] }, new Map()), {
      videoStart: undefined,
      videoEnd: undefined,
      audioStart: 0,
      audioEnd: 1.17551,
    });
  });
});

describe('WMA: the audio decodes elsewhere than its packets lie', () => {
  const wmv = (codec: string) => ({
    format: { format_name: 'asf', start_time: '0.000000', duration: '3.092' },
    streams: [
      { index: 0, codec_type: 'video', codec_name: 'wmv2', start_time: '0.046' },
      { index: 1, codec_type: 'audio', codec_name: codec, sample_rate: '44100', start_time: '0.000' },
    ],
  });

  it('is measured by decoding for WMA only', () => {
    assert.deepEqual(['wmav2', 'wmav1', 'aac', 'mp3'].map((c) => audioSpanDecoded(wmv(c))), [true, true, false, false]);
    assert.equal(audioSpanDecoded({ streams: [{ codec_type: 'video', codec_name: 'wmv2' }] }), false);
  });

  it('begins at the first stamped frame and lasts as many samples as all frames hold, the flushed one too', () => {
    // 3 s of WMA2 ffmpeg made: 64 frames of 2048 samples, the first at 0.092 s, the last flushed without a time.
    const frames = [...Array.from({ length: 63 }, (_, i) => `${(0.092 + i * 0.046).toFixed(6)},2048`), 'N/A,2048', ''].join('\n');
    assert.deepEqual(decodedAudioSpan(wmv('wmav2'), frames), { audioStart: 0.092, audioEnd: 3.064154 });
  });

  it('says nothing without a stamped frame or a sample rate', () => {
    assert.equal(decodedAudioSpan(wmv('wmav2'), 'N/A,2048\n'), undefined);
    assert.equal(decodedAudioSpan({ ...wmv('wmav2'), streams: [{ codec_type: 'audio', codec_name: 'wmav2' }] }, '0.1,2048\n'), undefined);
  });
});
