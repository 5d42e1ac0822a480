import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../testing/media-fixtures';
import { type FfmpegCommand, ffmpegArgv } from './ffmpeg-command';
import { FfmpegRepository } from './ffmpeg.repository';
import type { ProgressSnapshot } from './progress.parser';

const run = promisify(execFile);

/** A synthetic input; `-re` reads it in real time, so an encode lasts as long as the clip. */
function lavfiCommand(output: string, seconds: number, options: { realtime?: boolean; extra?: string[] } = {}): FfmpegCommand {
  return {
    global: ['-hide_banner', '-nostdin', '-y'],
    inputs: [{ options: [...(options.realtime ? ['-re'] : []), '-f', 'lavfi'], url: `testsrc2=size=64x64:rate=10:duration=${seconds}` }],
    outputs: [{ options: [...(options.extra ?? []), '-c:v', 'libx264', '-preset', 'ultrafast'], format: 'matroska', url: `file:${output}` }],
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('FfmpegRepository (real ffmpeg)', () => {
  const ffmpeg = new FfmpegRepository();
  let dir: { path: string; remove(): Promise<void> };
  before(async () => {
    dir = await tempDir('mpr-ffmpeg-');
    await mkdir(join(dir.path, 'with space'));
    await ffmpeg.warmUp();
  });
  after(() => dir.remove());

  it('runs the arguments exactly as given (spaces and all) and reports progress to the end', async () => {
    const output = join(dir.path, 'with space', 'out put.mkv');
    const snapshots: ProgressSnapshot[] = [];
    const proc = await ffmpeg.start(lavfiCommand(output, 1, { extra: ['-metadata', 'title=two words'] }), { onProgress: (s) => snapshots.push(s) });
    const exit = await proc.exited;
    assert.deepEqual([exit.code, exit.signal], [0, null]);
    assert.equal(snapshots.at(-1)?.done, true);
    assert.equal(snapshots.at(-1)?.frame, 10);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format_tags=title', '-of', 'default=nw=1:nk=1', output]);
    assert.equal(stdout.trim(), 'two words');
  });

  it("gives ffmpeg's exit code and stderr, without the echo of its own progress period", async () => {
    const command: FfmpegCommand = {
      global: ['-hide_banner', '-nostdin'],
      inputs: [{ options: [], url: `file:${join(dir.path, 'missing.mp4')}` }],
      outputs: [{ options: [], format: 'matroska', url: `file:${join(dir.path, 'never.mkv')}` }],
    };
    const proc = await ffmpeg.start(command, { onProgress: () => undefined });
    const exit = await proc.exited;
    assert.equal(exit.code, 1);
    assert.match(exit.stderr, /No such file or directory/);
    assert.doesNotMatch(exit.stderr, /progress period/);
  });

  it('stops ffmpeg with SIGTERM, which it catches', async () => {
    const proc = await ffmpeg.start(lavfiCommand(join(dir.path, 'stopped.mkv'), 30, { realtime: true }), { onProgress: () => undefined });
    const startedAt = Date.now();
    const exit = await proc.stop();
    assert.ok(Date.now() - startedAt < 1_000);
    assert.equal(exit.signal, 'SIGTERM');
    assert.equal(isRunning(proc.pid), false);
  });

  it('kills an ffmpeg that ignores SIGTERM after the grace period', async () => {
    let reporting!: () => void;
    const firstReport = new Promise<void>((resolve) => (reporting = resolve));
    const proc = await ffmpeg.start(lavfiCommand(join(dir.path, 'stuck.mkv'), 30, { realtime: true }), { onProgress: () => reporting() });
    // Once ffmpeg reports, its SIGTERM handler is in place; stopped, it cannot run it: as good as ignoring SIGTERM.
    await firstReport;
    process.kill(proc.pid, 'SIGSTOP');
    const startedAt = Date.now();
    const exit = await proc.stop(200);
    assert.ok(Date.now() - startedAt >= 150, 'SIGTERM alone did not end it');
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(isRunning(proc.pid), false);
  });

  it('refuses to run arguments that fluent-ffmpeg would change (it adds -y before a non-file: output)', async () => {
    const command: FfmpegCommand = {
      global: ['-hide_banner', '-nostdin'],
      inputs: [{ options: ['-f', 'lavfi'], url: 'testsrc2=duration=1' }],
      outputs: [{ options: [], format: 'null', url: '-' }],
    };
    await assert.rejects(ffmpeg.start(command, { onProgress: () => undefined }), /fluent-ffmpeg changed the arguments/);
  });

  it('refuses a command without an input or without an output', async () => {
    const input = { options: ['-f', 'lavfi'], url: 'testsrc2=duration=1' };
    const output = { options: [], format: 'matroska', url: `file:${join(dir.path, 'never.mkv')}` };
    await assert.rejects(ffmpeg.start({ global: [], inputs: [], outputs: [output] }, { onProgress: () => undefined }), /at least one input and one output/);
    await assert.rejects(ffmpeg.start({ global: [], inputs: [input], outputs: [] }, { onProgress: () => undefined }), /at least one input and one output/);
  });

  it('runs a command of two inputs and two outputs, each with its own options, exactly in their order', async () => {
    const video = join(dir.path, 'two-inputs.mkv');
    const audio = join(dir.path, 'audio-only.mka');
    const command: FfmpegCommand = {
      global: ['-hide_banner', '-nostdin', '-y'],
      inputs: [
        { options: ['-f', 'lavfi'], url: 'testsrc2=size=64x48:rate=10:duration=0.5' },
        { options: ['-f', 'lavfi'], url: 'sine=duration=0.5' },
      ],
      outputs: [
        { options: ['-map', '0:v:0', '-map', '1:a:0', '-c:v', 'ffv1', '-c:a', 'flac'], format: 'matroska', url: `file:${video}` },
        { options: ['-map', '1:a:0', '-c:a', 'flac'], format: 'matroska', url: `file:${audio}` },
      ],
    };
    // start() runs only the argv ffmpegArgv gives (it checks the spawned one), with PROGRESS_ARGS first.
    assert.deepEqual(ffmpegArgv(command), [
      ...['-hide_banner', '-nostdin', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10:duration=0.5'],
      ...['-f', 'lavfi', '-i', 'sine=duration=0.5'],
      ...['-map', '0:v:0', '-map', '1:a:0', '-c:v', 'ffv1', '-c:a', 'flac', '-f', 'matroska', `file:${video}`],
      ...['-map', '1:a:0', '-c:a', 'flac', '-f', 'matroska', `file:${audio}`],
    ]);
    const proc = await ffmpeg.start(command, { onProgress: () => undefined });
    const exit = await proc.exited;
    assert.equal(exit.code, 0, exit.stderr);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', audio]);
    assert.equal(stdout.trim(), 'flac');
  });
});
