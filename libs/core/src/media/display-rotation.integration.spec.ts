import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { buildSegmentEncodeCommand, buildSplitCommand } from '../chunking/segment-command';
import { BUILTIN_PRESETS } from '../domain/builtin-presets';
import { expectedShown, shownProblem } from '../execution/output-verification';
import { type FfmpegCommand, ffmpegArgv } from '../ffmpeg/ffmpeg-command';
import { buildTranscodeCommand } from '../ffmpeg/transcode-command';
import { makeRotatedVideo, tempDir } from '../testing/media-fixtures';
import { FfprobeRepository } from './ffprobe.repository';
import type { ProbeResult } from './probe.mapper';

const settings = (presetId: string) => BUILTIN_PRESETS.find((p) => p.presetId === presetId)!.settings;

/**
 * [M5] A 1080p phone clip shot upright (coded 1920×1080, display matrix 90°) through real ffmpeg: an encode shows
 * it upright at the preset's height (404×720, not 1280×720), the remux keeps its matrix in MOV, and a chunk
 * encoded from a piece of the split (Matroska: no matrix) is turned by a filter as the source would be.
 */
describe('rotated sources (real ffmpeg)', { timeout: 120_000 }, () => {
  let dir: { path: string; remove(): Promise<void> };
  let input: string;
  let source: ProbeResult;
  const ffprobe = new FfprobeRepository();
  const run = (command: FfmpegCommand) => promisify(execFile)('ffmpeg', ffmpegArgv(command));

  before(async () => {
    dir = await tempDir('mpr-rotated-');
    input = await makeRotatedVideo(join(dir.path, 'phone.mov'), 90, { seconds: 0.3, width: 1920, height: 1080, fps: 10 });
    source = await ffprobe.probe(input);
    assert.deepEqual([source.width, source.height, source.rotation], [1920, 1080, 90]);
  });
  after(() => dir?.remove());

  it('encodes it upright at the displayed size: 720p of a portrait 1080p is 404×720', async () => {
    const output = join(dir.path, 'h264-720p.mp4');
    await run(buildTranscodeCommand({ input, output, preset: settings('builtin-h264-720p'), source }));
    const probe = await ffprobe.probe(output);
    assert.deepEqual([probe.width, probe.height, probe.rotation], [404, 720, 0]);
    assert.equal(shownProblem(probe, expectedShown(source, false)), undefined);
  });

  it('remuxes it into MOV with its display matrix, the coded picture as it was', async () => {
    const output = join(dir.path, 'remux.part');
    const command = buildTranscodeCommand({ input, output, preset: settings('builtin-remux'), source });
    assert.equal(command.muxer, 'mov');
    await run(command);
    const probe = await ffprobe.probe(output);
    assert.deepEqual([probe.width, probe.height, probe.rotation], [1920, 1080, 90]);
    assert.equal(shownProblem(probe, expectedShown(source, true)), undefined);
  });

  it("turns a split piece's chunk, which lost the matrix, as ffmpeg turns the source; unturned it would be refused", async () => {
    await run(buildSplitCommand(input, join(dir.path, 'piece-%03d.mkv'), []));
    const piece = join(dir.path, 'piece-000.mkv');
    assert.equal((await ffprobe.probe(piece)).rotation, 0, 'Matroska kept no display matrix');
    const encode = async (turned: boolean) => {
      const output = join(dir.path, `segment-${turned}.mkv`);
      const cut = { start: 0, end: 0.3 };
      await run(buildSegmentEncodeCommand({ input: piece, inputOffset: 0, piece: turned, cut, preset: settings('builtin-h264-720p'), source, output }));
      return ffprobe.probe(output);
    };
    const turned = await encode(true);
    assert.deepEqual([turned.width, turned.height], [404, 720]);
    assert.equal(shownProblem(turned, expectedShown(source, false)), undefined);
    const sideways = await encode(false);
    assert.deepEqual([sideways.width, sideways.height], [1280, 720]);
    assert.match(shownProblem(sideways, expectedShown(source, false)) ?? '', /landscape .* the source's portrait/);
  });
});
