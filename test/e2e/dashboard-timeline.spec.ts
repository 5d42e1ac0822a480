import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeKeyframedSource, makeVideo, probeStreams } from '@mpr/core/testing/media-fixtures';
import { PlatformProcess } from '@mpr/core/testing/platform-process';
import { assertConsole, launchChromium, openDashboard as open, shoot, signIn } from './dashboard-harness';

/** The source's frame rate: the arrow keys move the playhead by 1/FPS s. */
const FPS = 10;

/**
 * The Timeline in a real Chromium against the platform as `npm start` runs it: set in and out with the keys,
 * create the trimmed job, follow it to COMPLETED and check that its output lasts the selected range; an AVI
 * (which no browser plays) plays through the preview the API makes for it.
 */
describe('the dashboard: Timeline', () => {
  let platform: PlatformProcess;
  let browser: Browser;

  before(async () => {
    [platform, browser] = await Promise.all([PlatformProcess.start(), launchChromium()]);
    await makeKeyframedSource(join(platform.mediaIn, 'clip.mp4'), { seconds: 4, fps: FPS, size: '320x180' });
    await makeVideo(join(platform.mediaIn, 'old.avi'), { seconds: 2, width: 320, height: 240, fps: FPS });
    await platform.query('mutation { scanMediaFolder { registered } }');
  });

  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  /** Signed in, on the Timeline's asset list, then on `file`'s Timeline with its thumbnails shown. */
  const openOnTimeline = async (page: Page, file: string) => {
    await signIn(page);
    await page.getByRole('link', { name: 'Timeline', exact: true }).click();
    await page.getByRole('link', { name: `in/${file}` }).click();
    await page.getByRole('heading', { name: `in/${file}` }).waitFor();
    // Strings, as the page's code runs in the page (this project's TypeScript has no DOM types).
    await page.waitForFunction("(document.querySelector('img.strip')?.naturalWidth ?? 0) > 0", undefined, { timeout: 60_000 });
  };

  const press = async (page: Page, key: string, times = 1) => {
    for (let i = 0; i < times; i++) await page.keyboard.press(key);
  };

  it('sets in/out with the keys, creates the trimmed job, follows it to COMPLETED, and the output lasts the selection', async () => {
    const { page, consoleErrors, close } = await open(browser, platform);
    try {
      await openOnTimeline(page, 'clip.mp4');
      assert.equal(await page.locator('img.strip').evaluate((img: { naturalWidth: number }) => img.naturalWidth), 1600, 'ten 160-pixel tiles');
      await page.getByLabel('Playhead').focus();
      await press(page, 'ArrowRight', 10);
      await page
        .getByTestId('position')
        .filter({ hasText: /^0:01\.000 \// })
        .waitFor();
      await press(page, 'i');
      await press(page, 'Shift+ArrowRight', 2);
      await press(page, 'ArrowLeft', 5);
      await page
        .getByTestId('position')
        .filter({ hasText: /^0:02\.500 \// })
        .waitFor();
      await press(page, 'o');
      assert.equal(await page.getByTestId('in-point').innerText(), '0:01.000');
      assert.equal(await page.getByTestId('out-point').innerText(), '0:02.500');
      assert.equal(await page.getByTestId('selection').innerText(), '1.500 s');

      await page.getByLabel('Preset').selectOption('builtin-h264-720p');
      await page.getByRole('button', { name: 'Create trimmed job (1.500 s)' }).click();
      const followed = page.getByRole('region', { name: 'The job made here' });
      await followed.locator('.badge-completed').waitFor({ timeout: 120_000 });
      await shoot(page, 'timeline');

      await followed.getByRole('link', { name: "Open the job's page →" }).click();
      await page.waitForURL(/#\/jobs\/[\w-]+$/);
      const jobId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);
      const { job } = await platform.query<{ job: { status: string; trimStart: number; trimEnd: number; outputPath: string } }>(
        `query { job(id: "${jobId}") { status trimStart trimEnd outputPath } }`,
      );
      assert.deepEqual({ status: job.status, trimStart: job.trimStart, trimEnd: job.trimEnd }, { status: 'completed', trimStart: 1, trimEnd: 2.5 });
      const { duration } = await probeStreams(join(platform.mediaOut, job.outputPath));
      assert.ok(Math.abs(duration - 1.5) <= 1 / FPS, `the output lasts ${duration} s, the selection 1.5 s`);
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
    }
  });

  it('plays an AVI through its preview, with thumbnails', async () => {
    const { page, consoleErrors, close } = await open(browser, platform);
    try {
      await openOnTimeline(page, 'old.avi');
      assert.equal(await page.getByTestId('preview-note').innerText(), 'Playing a preview: browsers do not play AVI files');
      const src = await page.locator('video').getAttribute('src');
      assert.match(src ?? '', /\/media\/derived\/[\w-]+\/preview\.mp4\?expires=\d+&signature=/);
      await page.waitForFunction("(document.querySelector('video')?.readyState ?? 0) >= 2", undefined, { timeout: 60_000 });
      // The playhead moves the player: a frame forward shows the frame at 0.1 s.
      await page.getByRole('button', { name: 'One frame forward' }).click();
      await page.waitForFunction("Math.abs((document.querySelector('video')?.currentTime ?? 0) - 0.1) < 1e-3");
      await shoot(page, 'timeline-preview');
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
    }
  });

  it("Assets: an asset's jobs, and a link that opens it on the Timeline", async () => {
    const { assets } = await platform.query<{ assets: Array<{ id: string; filePath: string }> }>('query { assets(status: "ready") { id filePath } }');
    const avi = assets.find((a) => a.filePath === 'old.avi');
    assert.ok(avi, 'old.avi is ready');
    const { createJob } = await platform.query<{ createJob: { id: string } }>(
      `mutation { createJob(input: { sourceAssetId: "${avi.id}", presetId: "builtin-aac-192k" }) { id } }`,
    );
    const { page, consoleErrors, close } = await open(browser, platform);
    try {
      await signIn(page);
      await page.getByRole('link', { name: 'Assets', exact: true }).click();
      const row = page.locator('tr[data-asset="old.avi"]');
      await row.getByRole('button', { name: 'Jobs' }).click();
      const jobs = page.getByRole('region', { name: 'Jobs of this asset' });
      await jobs.getByRole('link', { name: createJob.id.slice(0, 8) }).waitFor();
      assert.match(await jobs.innerText(), /AAC 192k/);
      await shoot(page, 'assets-jobs');
      await row.getByRole('link', { name: 'Timeline' }).click();
      await page.waitForURL(new RegExp(`#/timeline/${avi.id}$`));
      await page.getByRole('heading', { name: 'in/old.avi' }).waitFor();
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
    }
  });
});
