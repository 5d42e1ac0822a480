/**
 * bench/probe: what probing one file costs, the way a scan (and the
 * transcoder's output verification) probes it: FfprobeRepository.probe, on a
 * generated MP4 (H.264 + AAC) and AVI (MPEG-4 + MP3, audio timed by its
 * samples), each `--seconds` long. Prints, per file, how many ffprobe runs a
 * probe takes and the median wall time of `--runs` probes. Prints figures
 * only; it asserts nothing about them.
 *
 *   npm run bench -- probe [--seconds 600] [--runs 5]
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FfprobeRepository } from '@mpr/core';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { median, option } from './support/bench.support';

const SECONDS = option('seconds', 600);
const RUNS = option('runs', 5);

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mpr-bench-probe-'));
  try {
    // A wrapper that counts its runs, so the figure is what the repository spawns, not what it is believed to.
    const counter = join(dir, 'runs.log');
    const ffprobe = join(dir, 'ffprobe');
    await writeFile(ffprobe, `#!/bin/sh\necho run >> '${counter}'\nexec ffprobe "$@"\n`);
    await chmod(ffprobe, 0o755);
    const repository = new FfprobeRepository(ffprobe);
    const runs = async () => (await readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

    console.log(`probe: ${SECONDS} s sources (320x240, 30 fps, with sound), median of ${RUNS} probes`);
    for (const type of ['mp4', 'avi']) {
      const path = await makeVideo(join(dir, `source.${type}`), { seconds: SECONDS, width: 320, height: 240, fps: 30 });
      const times: number[] = [];
      let spawned = 0;
      for (let i = 0; i < RUNS; i++) {
        const before = await runs();
        const started = performance.now();
        await repository.probe(path, 120_000);
        times.push(performance.now() - started);
        spawned = (await runs()) - before;
      }
      console.log(
        `  ${type}: ${spawned} ffprobe run(s) a probe, ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
