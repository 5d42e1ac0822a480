import assert from 'node:assert/strict';
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeKeyframedSource } from '@mpr/core/testing/media-fixtures';
import { PlatformProcess } from '@mpr/core/testing/platform-process';
import { assertConsole, launchChromium, openDashboard, shoot, signIn } from './dashboard-harness';

/** What the Chunker view draws, read from the page (the tests' tsconfig has no DOM types: a script). */
interface Drawn {
  stage: string;
  /** "worker: run=state …" per lane. */
  lanes: string[];
  /** "index=state title" per segment of the plan (the title holds its boundaries). */
  segments: string[];
}

const drawn = (page: Page): Promise<Drawn> =>
  page.evaluate(`(() => ({
    stage: document.querySelector('[data-stage]')?.getAttribute('data-stage') ?? '',
    lanes: [...document.querySelectorAll('[data-lane]')].map((lane) =>
      lane.getAttribute('data-lane') + ': ' + [...lane.querySelectorAll('[data-run]')].map((r) => r.getAttribute('data-run') + '=' + r.getAttribute('data-state')).join(' ')),
    segments: [...document.querySelectorAll('[data-plan] [data-segment]')].map((s) => s.getAttribute('data-segment') + '=' + s.getAttribute('data-state') + ' ' + s.getAttribute('title')),
  }))()`) as Promise<Drawn>;

/** Every state and percent each run block showed, recorded in the page by a MutationObserver (nothing the test polls). */
const recordRuns = (page: Page) =>
  page.evaluate(`(() => {
    const seen = (window.runsSeen = {});
    const note = () => {
      for (const r of document.querySelectorAll('[data-run]')) {
        const value = r.getAttribute('data-state') + ' ' + r.getAttribute('data-percent');
        const list = (seen[r.getAttribute('data-run')] ??= []);
        if (list.at(-1) !== value) list.push(value);
      }
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-percent'] });
  })()`);

/**
 * The Chunker view in a real Chromium against the platform as `npm start`
 * runs it, from the browser only: scan, create a chunked job, open its
 * Chunker view from the job's page, see its segments fill live in one lane
 * per worker until the job completes; then open it again in a new page and
 * see the replay draw the same segments in the same lanes.
 */
describe('the dashboard: Chunker view (Chromium, WatchChunkPipeline)', () => {
  let platform: PlatformProcess;
  let browser: Browser;

  before(async () => {
    // Two segment workers on two cores whatever the machine has, so the plan is the same everywhere.
    [platform, browser] = await Promise.all([PlatformProcess.start({ MPR_CHUNK_WORKERS: '2', MPR_CHUNK_CORES: '2' }), launchChromium()]);
    // Long enough at 720p that each segment encodes for seconds, reporting its progress on the way.
    await makeKeyframedSource(join(platform.mediaIn, 'film.mp4'), { seconds: 16, fps: 25, size: '640x360' });
  });

  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('fills one lane per worker live until the job completes, and replays the same segments when opened again', async () => {
    const first = await openDashboard(browser, platform);
    let live: Drawn;
    let jobId: string;
    try {
      const { page } = first;
      await signIn(page);
      await page.getByRole('link', { name: 'Assets' }).click();
      await page.getByRole('button', { name: 'Scan media folder' }).click();
      const asset = page.locator('tr[data-asset="film.mp4"]');
      await asset.locator('.badge-ready').waitFor();
      await asset.getByRole('button', { name: 'Transcode…' }).click();
      await page.getByLabel('Preset').selectOption('builtin-h264-720p');
      await page.getByLabel('Chunked').check();
      await page.getByRole('button', { name: 'Create job' }).click();
      await page.waitForURL(/#\/jobs\/[\w-]+$/);
      jobId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);

      await page.getByRole('link', { name: 'Chunker view →' }).click();
      await page.waitForURL(/\/chunker$/);
      await page.getByRole('heading', { name: `Chunker ${jobId}` }).waitFor();
      await recordRuns(page);
      await page.locator('[data-run][data-state="running"]').first().waitFor({ timeout: 120_000 });
      await shoot(page, 'chunker-running');
      await page.locator('[data-stage="verified"]').waitFor({ timeout: 180_000 });
      await page.locator('.toolbar .badge-completed').waitFor({ timeout: 60_000 });
      live = await drawn(page);
      const seen = (await page.evaluate('window.runsSeen')) as Record<string, string[]>;

      assert.ok(live.lanes.length >= 2, `a lane per worker that took a segment: ${live.lanes.join(' | ')}`);
      assert.ok(live.segments.length >= 2, `the plan has segments: ${live.segments.join(' | ')}`);
      for (const segment of live.segments) assert.match(segment, /^\d+=done /, 'every segment of the plan is done');
      const indices = live.segments.map((s) => Number(s.split('=')[0]));
      const runs = live.lanes.flatMap((lane) => lane.split(': ')[1].split(' '));
      for (const index of indices)
        assert.ok(
          runs.some((run) => run.startsWith(`s${index}#`) && run.endsWith('=done')),
          `segment ${index} ran to done in a lane`,
        );
      const filling = Object.entries(seen).filter(([, values]) => values.some((v) => /^running (?:[1-9]|[1-9]\d)$/.test(v)));
      assert.ok(filling.length >= 1, `a segment's block filled while it ran (saw ${JSON.stringify(seen)})`);
      const { job } = await platform.query<{ job: { status: string; chunked: boolean } }>(`query { job(id: "${jobId}") { status chunked } }`);
      assert.deepEqual(job, { status: 'completed', chunked: true });
      await shoot(page, 'chunker-done');
      assertConsole(first.consoleErrors, 1);
    } finally {
      await first.close();
    }

    // Later, in another page: from the Jobs list to the job, to its Chunker view, drawn from the replay.
    const again = await openDashboard(browser, platform);
    try {
      const { page } = again;
      await signIn(page);
      await page.locator(`tr[data-job="${jobId}"] a`).first().click();
      await page.getByRole('link', { name: 'Chunker view →' }).click();
      await page.locator('[data-stage="verified"]').waitFor({ timeout: 30_000 });
      await page.locator('[data-lane]').first().waitFor();
      assert.deepEqual(await drawn(page), live, 'the replay draws what was seen live');
      await shoot(page, 'chunker-replay');
      assertConsole(again.consoleErrors, 1);
    } finally {
      await again.close();
    }
  });
  it('draws a failed segment in its lane, then its retry running to done, and the job completes', async () => {
    await platform.query('mutation { scanMediaFolder { registered } }');
    const { assets } = await platform.query<{ assets: { id: string; filePath: string }[] }>('query { assets { id filePath } }');
    const film = assets.find((a) => a.filePath === 'film.mp4')!;
    // Held until the blocker is in place: a directory where segment 2's first delivery writes, so that encode cannot open its output.
    await platform.query('mutation { pauseDispatch(reason: "segment blocker") { paused } }');
    let jobId: string;
    let blocker: string;
    try {
      const { createJob } = await platform.query<{ createJob: { id: string } }>(
        `mutation { createJob(input: { sourceAssetId: "${film.id}", presetId: "builtin-h264-720p", chunked: true, chunkDuration: 5, outputFilename: "film-retried.mp4" }) { id } }`,
      );
      jobId = createJob.id;
      blocker = join(platform.mediaOut, '.mpr-chunks', `${jobId}-a1`, 'segment-002.mkv.d1.part');
      await mkdir(blocker, { recursive: true });
    } finally {
      await platform.query('mutation { resumeDispatch { paused } }');
    }
    const { page, consoleErrors, close } = await openDashboard(browser, platform);
    try {
      await signIn(page);
      await page.locator(`tr[data-job="${jobId}"] a`).first().click();
      await page.getByRole('link', { name: 'Chunker view →' }).click();
      await page.locator('[data-run="s2#1"][data-state="failed"]').waitFor({ timeout: 120_000 });
      await rmdir(blocker);
      await page.locator('[data-stage="verified"]').waitFor({ timeout: 180_000 });
      await page.locator('.toolbar .badge-completed').waitFor({ timeout: 60_000 });
      const { lanes, segments } = await drawn(page);
      const runs = lanes.flatMap((lane) => lane.split(': ')[1].split(' '));
      assert.ok(runs.includes('s2#1=failed'), `the failed delivery stays drawn: ${lanes.join(' | ')}`);
      assert.ok(
        runs.some((run) => /^s2#[2-9]=done$/.test(run)),
        `a later delivery of segment 2 ran to done: ${lanes.join(' | ')}`,
      );
      for (const segment of segments) assert.match(segment, /^\d+=done /, 'every segment of the plan is done');
      await shoot(page, 'chunker-retried');
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
    }
  });
});
