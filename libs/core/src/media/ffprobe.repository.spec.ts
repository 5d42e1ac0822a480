import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AUDIO_FIXTURE_TYPES, makeAudio, makePlaylistTrap, makeRotatedVideo, makeVideo, tempDir, VIDEO_FIXTURE_TYPES } from '../testing/media-fixtures';
import { FfprobeRepository, ProbeError } from './ffprobe.repository';

const run = promisify(execFile);

describe('FfprobeRepository (real ffprobe)', () => {
  let dir: { path: string; remove(): Promise<void> };
  const ffprobe = new FfprobeRepository();
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.remove());

  for (const type of VIDEO_FIXTURE_TYPES) {
    it(`probes a ${type} video`, async () => {
      const path = await makeVideo(join(dir.path, `v.${type}`), { seconds: 1, width: 160, height: 120, fps: 10 });
      const probe = await ffprobe.probe(path);
      assert.equal(probe.width, 160);
      assert.equal(probe.height, 120);
      assert.ok(probe.videoCodec, 'video codec');
      assert.ok(Math.abs((probe.duration ?? 0) - 1) < 0.2, `duration ${probe.duration}`);
    });
  }

  for (const type of AUDIO_FIXTURE_TYPES) {
    it(`probes a ${type} audio file`, async () => {
      const probe = await ffprobe.probe(await makeAudio(join(dir.path, `a.${type}`)));
      assert.equal(probe.videoCodec, '');
      assert.ok(probe.audioCodec, 'audio codec');
      assert.ok((probe.audioSampleRate ?? 0) > 0);
    });
  }

  it('reads codec, resolution and frame rate exactly', async () => {
    const probe = await ffprobe.probe(await makeVideo(join(dir.path, 'exact.mp4'), { width: 320, height: 240, fps: 25 }));
    assert.equal(probe.videoCodec, 'h264');
    assert.equal(probe.audioCodec, 'aac');
    assert.equal(probe.framerate, 25);
    assert.equal(probe.audioChannels, 1);
  });

  it("records a phone clip's display matrix as its rotation, the size staying the coded picture's", async () => {
    const rotations: number[] = [];
    for (const rotation of [90, 270] as const) {
      const probe = await ffprobe.probe(await makeRotatedVideo(join(dir.path, `rotated-${rotation}.mov`), rotation, { seconds: 0.5, width: 160, height: 90 }));
      assert.deepEqual([probe.width, probe.height], [160, 90]);
      rotations.push(probe.rotation ?? -1);
    }
    assert.deepEqual(rotations, [90, 270]);
    assert.equal((await ffprobe.probe(await makeVideo(join(dir.path, 'upright.mov'), { seconds: 0.5 }))).rotation, 0);
  });

  it("places WMA audio where its decoder puts it, not where its packets lie (WMV's first frame 0.092 s in)", async () => {
    const path = join(dir.path, 'wma.wmv');
    await run('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=3'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=3', '-c:v', 'wmv2', '-c:a', 'wmav2', path],
    ]);
    const probe = await ffprobe.probe(path);
    // 64 decoded frames of 2048 samples from 0.092 s; the packets ran from 0 to 3.018 s.
    assert.deepEqual([probe.audioStart, probe.audioEnd], [0.092, Math.round((0.092 + (64 * 2048) / 44100) * 1e6) / 1e6]);
  });

  it('measures a late-clocked file by its packets, not by the duration ffmpeg declared for it', async () => {
    // ffmpeg writes this Matroska's duration as its last timestamp: 7.4 s for 3 s from 4.4 s.
    const path = join(dir.path, 'late.mkv');
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=3', '-c:v', 'libx264', '-preset', 'ultrafast', '-output_ts_offset', '4.4', path]);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]);
    assert.ok(Number(stdout) > 7, `ffprobe's own duration ${stdout}`);
    const probe = await ffprobe.probe(path);
    assert.ok(Math.abs((probe.duration ?? 0) - 3) < 0.05, `duration ${probe.duration}`);
  });


  it('measures a Matroska written to a pipe (no duration, no cues) by its packets', async () => {
    const path = join(dir.path, 'piped.mkv');
    const { stdout: piped } = await run(
      'ffmpeg',
      ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=3.6', '-c:v', 'mpeg4', '-f', 'matroska', 'pipe:1'],
      { encoding: 'buffer', maxBuffer: 64 << 20 },
    );
    await writeFile(path, piped);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]);
    assert.equal(stdout.trim(), 'N/A', 'ffprobe finds no duration in it');
    const probe = await ffprobe.probe(path);
    assert.ok(Math.abs((probe.duration ?? 0) - 3.6) < 0.05, `duration ${probe.duration}`);
  });
  it("refuses a corrupt file with ffprobe's reason", async () => {
    const path = join(dir.path, 'corrupt.mp4');
    await writeFile(path, Buffer.alloc(4096, 7));
    await assert.rejects(ffprobe.probe(path), (err: unknown) => err instanceof ProbeError && /Invalid data|not on whitelist/i.test(err.message));
  });

  it('names a truncated file by the path the caller gives, never by its host path', async () => {
    const source = await makeVideo(join(dir.path, 'whole.mp4'));
    const path = join(dir.path, 'truncated.mp4');
    await writeFile(path, (await readFile(source)).subarray(0, 2048));
    const reasons: string[] = [];
    for (const paths of [[[path, 'in/cam/truncated.mp4']] as const, []]) {
      await assert.rejects(ffprobe.probe(path, undefined, paths), (err: unknown) => err instanceof ProbeError && reasons.push(err.message) > 0);
    }
    assert.equal(reasons[0], '[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found\nin/cam/truncated.mp4: Invalid data found when processing input');
    assert.equal(reasons[1], '[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found\ntruncated.mp4: Invalid data found when processing input');
  });

  it('refuses an empty file', async () => {
    const path = join(dir.path, 'empty.mkv');
    await writeFile(path, '');
    await assert.rejects(ffprobe.probe(path), ProbeError);
  });

  it('never follows a playlist hidden in a media file', async () => {
    const path = await makePlaylistTrap(join(dir.path, 'trap.mp4'));
    await assert.rejects(ffprobe.probe(path), (err: unknown) => err instanceof ProbeError && /not on whitelist/.test(err.message));
  });

  it('gives up on a probe that takes too long', async () => {
    const slow = new FfprobeRepository(join(__dirname, 'nonexistent-ffprobe'));
    await assert.rejects(slow.probe('/dev/null'), /is not installed/);
  });
});
