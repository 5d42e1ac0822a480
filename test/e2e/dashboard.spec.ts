import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { makeKeyframedSource } from '@mpr/core/testing/media-fixtures';
import { waitFor } from '@mpr/core/testing/wait-for';
import { PlatformProcess } from '@mpr/core/testing/platform-process';
import { WIDTHS, assertConsole, launchChromium, openDashboard as open, shoot, signIn } from './dashboard-harness';

/**
 * The dashboard in a real Chromium against the platform as `npm start` runs
 * it (with MPR_API_TOKEN): sign in, scan, see the asset, create a job, see it
 * complete and play its output, and the API's own validation message for a
 * bad preset. Any console error beyond the provoked 401s fails it.
 */
describe('the dashboard in Chromium', () => {
  let platform: PlatformProcess;
  let browser: Browser;

  before(async () => {
    [platform, browser] = await Promise.all([PlatformProcess.start(), launchChromium()]);
    await makeKeyframedSource(join(platform.mediaIn, 'clip.mp4'), { seconds: 4, fps: 10, size: '320x180' });
  });

  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const openDashboard = () => open(browser, platform);

  it('asks for the token, says when it is wrong, lets the right one in and remembers it', async () => {
    const { page, consoleErrors, close } = await openDashboard();
    try {
      await signIn(page, 'not-the-token-at-all');
      await page.getByRole('alert').filter({ hasText: 'The API refused the token: the bearer token is not valid' }).waitFor();
      await shoot(page, 'sign-in');
      await signIn(page);
      await page.getByRole('link', { name: 'Assets' }).waitFor();
      await page.reload();
      await page.getByRole('link', { name: 'Assets' }).waitFor();
      assert.equal(await page.getByLabel('API token').count(), 0, 'no second sign-in after a reload');
      assertConsole(consoleErrors, 2);
    } finally {
      await close();
    }
  });

  it('scans, shows the probed asset, creates a job and follows it to COMPLETED with a playable output', async () => {
    const { page, consoleErrors, close } = await openDashboard();
    try {
      await signIn(page);
      await page.getByRole('link', { name: 'Assets' }).click();
      await page.getByRole('button', { name: 'Scan media folder' }).click();
      // "1 new" when this test runs first; the cancel-and-retry test registers the clip too.
      await page.getByTestId('scan-result').filter({ hasText: '1 found' }).waitFor();
      const row = page.locator('tr[data-asset="clip.mp4"]');
      await row.locator('.badge-ready').waitFor();
      assert.match(await row.innerText(), /h264/);
      assert.match(await row.innerText(), /320×180/);

      await row.getByRole('button', { name: 'Transcode…' }).click();
      await page.getByLabel('Preset').selectOption('builtin-h264-720p');
      await page.getByRole('button', { name: 'Create job' }).click();
      await page.waitForURL(/#\/jobs\/[\w-]+$/);
      await page.locator('.toolbar .badge-completed').waitFor({ timeout: 120_000 });
      await page.locator('[role="progressbar"][aria-valuenow="100"]').waitFor();
      const href = await page.getByRole('link', { name: 'Play output' }).getAttribute('href');
      assert.ok(href, 'the link has a URL');
      assert.match(href, /[?&]signature=/, 'a signed output URL');
      // What the page's <video> loads: it must answer with the file, without any header.
      const response = await page.request.get(new URL(href, page.url()).toString());
      assert.equal(response.status(), 200);
      assert.equal(response.headers()['content-type'], 'video/mp4');
      await page.getByRole('cell', { name: 'JobCompleted', exact: true }).waitFor();
      // The history shows each payload's own fields, not the envelope: the last progress says 100, the end names the output.
      const historyRow = (type: string) =>
        page.locator('table[data-history] tr[data-sequence]').filter({ has: page.getByRole('cell', { name: type, exact: true }) });
      assert.equal(await historyRow('JobProgressed').last().locator('.fact').innerText(), 'percent 100');
      assert.match(await historyRow('JobCompleted').locator('.data').innerText(), /^outputPath clip_h264_720p\.mp4\s+outputAssetId [\w-]{36}/);
      await shoot(page, 'job');

      await page.getByRole('link', { name: '← Jobs' }).click();
      const jobRow = page.locator('tr[data-status="completed"]');
      await jobRow.waitFor();
      assert.match(await jobRow.innerText(), /clip\.mp4/);
      await page.getByRole('button', { name: /^completed/ }).click();
      assert.equal(await page.locator('tbody tr[data-job]').count(), 1);
      await page.getByRole('button', { name: /^failed/ }).click();
      await page.getByText('No failed jobs.').waitFor();
      await page.getByRole('button', { name: /^all/ }).click();
      await shoot(page, 'jobs');
      // At 390 px a job is a card: its status, bar and actions are on screen without scrolling sideways.
      await page.setViewportSize(WIDTHS.phone);
      for (const part of ['td:has(.badge)', 'td:has([role="progressbar"])', 'td[data-label="Source"]']) {
        const box = await jobRow.locator(part).boundingBox();
        assert.ok(box, `${part} is shown at 390 px`);
        assert.ok(box.x >= 0 && box.x + box.width <= WIDTHS.phone.width, `${part} lies within 390 px: ${JSON.stringify(box)}`);
      }
      const wrap = await page.locator('.table-wrap').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
      assert.ok(wrap.scroll <= wrap.client, `the jobs list does not scroll sideways at 390 px: ${JSON.stringify(wrap)}`);
      await page.setViewportSize(WIDTHS.desktop);
      await page.getByRole('link', { name: 'Assets' }).click();
      await page.locator('tr[data-asset="clip.mp4"]').waitFor();
      await shoot(page, 'assets');
      // An asset is a card at 390 px too: its status and its Transcode… button are on screen.
      await page.setViewportSize(WIDTHS.phone);
      const assetRow = page.locator('tr[data-asset="clip.mp4"]');
      for (const part of [assetRow.locator('td:has(.badge)'), assetRow.getByRole('button', { name: 'Transcode…' })]) {
        const box = await part.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= WIDTHS.phone.width, `an asset's status and actions lie within 390 px: ${JSON.stringify(box)}`);
      }
      await page.setViewportSize(WIDTHS.desktop);
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
    }
  });

  it('cancels a job and retries it from its row, cancels all pending, and resumes a paused dispatch from the Jobs view', async () => {
    // Set up through the API: the clip registered and dispatch paused, so that the jobs wait for the page's actions.
    await platform.query('mutation { scanMediaFolder { registered } }');
    const { assets } = await platform.query<{ assets: { id: string; filePath: string }[] }>('query { assets { id filePath } }');
    const clip = assets.find((a) => a.filePath === 'clip.mp4')!;
    await platform.query('mutation { pauseDispatch(reason: "cancel and retry") { paused } }');
    const ids: string[] = [];
    for (const name of ['one.mp4', 'two.mp4']) {
      const { createJob } = await platform.query<{ createJob: { id: string } }>(
        `mutation { createJob(input: { sourceAssetId: "${clip.id}", presetId: "builtin-h264-720p", outputFilename: "${name}" }) { id } }`,
      );
      ids.push(createJob.id);
    }
    const { page, consoleErrors, close } = await openDashboard();
    page.on('dialog', (dialog) => void dialog.accept());
    try {
      await signIn(page);
      const [one, two] = ids.map((id) => page.locator(`tr[data-job="${id}"]`));
      await one.locator('.badge-pending').waitFor();
      await page.locator('[data-dispatch-notice="paused"]').filter({ hasText: 'cancel and retry' }).waitFor();

      await one.getByRole('button', { name: 'Cancel' }).click();
      await one.locator('.badge-cancelled').waitFor();
      await one.getByRole('button', { name: 'Retry' }).click();
      await one.locator('.badge-pending').waitFor();
      // The numeric cells: FPS, speed, ETA, elapsed, try.
      assert.equal(await one.locator('td.num').nth(4).innerText(), '2', 'its second attempt');

      await page.getByRole('button', { name: 'Cancel all pending' }).click();
      await page
        .locator('[data-notice="ok"]')
        .filter({ hasText: /^Cancel all pending: [1-9]\d* done/ })
        .waitFor();
      await one.locator('.badge-cancelled').waitFor();
      await two.locator('.badge-cancelled').waitFor();

      await page.locator('[data-dispatch-notice="paused"]').getByRole('button', { name: 'Resume dispatch' }).click();
      await page.locator('[data-dispatch-notice]').waitFor({ state: 'detached' });
      await two.getByRole('button', { name: 'Retry' }).click();
      await two.locator('.badge-completed').waitFor({ timeout: 120_000 });
      assert.equal(await one.locator('.badge-cancelled').count(), 1, 'the other stays cancelled');
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
      await platform.graphql('mutation { resumeDispatch { paused } }');
    }
  });

  it('from the keyboard alone: filters failed jobs and retries all of them once their file is back', async () => {
    // Two jobs fail on a file that went corrupt after the scan; putting the file back lets a retry finish them.
    const path = join(platform.mediaIn, 'fragile.mp4');
    await makeKeyframedSource(path, { seconds: 2, fps: 10, size: '320x180' });
    await platform.query('mutation { scanMediaFolder { registered } }');
    const { assets } = await platform.query<{ assets: { id: string; filePath: string }[] }>('query { assets { id filePath } }');
    const fragile = assets.find((a) => a.filePath === 'fragile.mp4')!;
    const whole = await readFile(path);
    await writeFile(path, whole.subarray(0, 2048));
    const ids: string[] = [];
    for (const name of ['fragile-one.mp4', 'fragile-two.mp4']) {
      const { createJob } = await platform.query<{ createJob: { id: string } }>(
        `mutation { createJob(input: { sourceAssetId: "${fragile.id}", presetId: "builtin-h264-720p", outputFilename: "${name}" }) { id } }`,
      );
      ids.push(createJob.id);
    }
    const statuses = async () =>
      Promise.all(ids.map(async (id) => (await platform.query<{ job: { status: string } }>(`query { job(id: "${id}") { status } }`)).job.status));
    await waitFor('both jobs FAILED on the truncated file', statuses, {
      timeoutMs: 120_000,
      done: (s) => s.every((status) => status === 'failed'),
      describe: (s) => s.join(', '),
    });
    await writeFile(path, whole);

    const { page, consoleErrors, close } = await openDashboard();
    page.on('dialog', (dialog) => void dialog.accept());
    try {
      await signIn(page);
      const rows = ids.map((id) => page.locator(`tr[data-job="${id}"]`));
      await rows[0].locator('.badge-failed').waitFor();
      /** Tabs until `name` has the focus, as a keyboard user would; fails if it is never reached. */
      const tabTo = async (name: RegExp) => {
        for (let presses = 0; presses < 60; presses++) {
          await page.keyboard.press('Tab');
          const focused = String(await page.evaluate("document.activeElement?.textContent?.trim() ?? ''"));
          if (name.test(focused)) return;
        }
        assert.fail(`${name} is not reachable with Tab`);
      };
      await tabTo(/^failed\s*\d+$/);
      await page.keyboard.press('Space');
      await page
        .getByRole('button', { name: /^failed/ })
        .and(page.locator('[aria-pressed="true"]'))
        .waitFor();
      await waitFor('only the two failed jobs listed', () => page.locator('tbody tr[data-job]').count(), { done: (n) => n === 2, describe: String });
      await tabTo(/^Retry all failed$/);
      await page.keyboard.press('Enter');
      await page
        .locator('[data-notice="ok"]')
        .filter({ hasText: /^Retry all failed: 2 done/ })
        .waitFor();
      await page.getByRole('button', { name: /^all/ }).click();
      for (const row of rows) await row.locator('.badge-completed').waitFor({ timeout: 120_000 });
      assert.equal(await rows[1].locator('td.num').nth(4).innerText(), '2', 'each on its second attempt');
      // The job's page keeps the first attempt's failure, with ffmpeg's reason and whether it was final.
      await rows[1].locator('a').first().click();
      const failure = page.locator('.failures li[data-attempt="1"]');
      await failure.waitFor();
      assert.match(await failure.innerText(), /^Attempt 1\s.*·\s(final|retryable)\s+.*moov atom not found/s);
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
    }
  });

  it("shows the API's own validation message for a bad custom preset", async () => {
    const { page, consoleErrors, close } = await openDashboard();
    try {
      await signIn(page);
      await page.getByRole('link', { name: 'Presets' }).click();
      await page.locator('tr[data-preset="builtin-h264-720p"]').waitFor();
      // A builtin video preset sets only the height: its size reads 720p, not a dash.
      assert.equal(await page.locator('tr[data-preset="builtin-h264-720p"] td[data-label="Size"]').innerText(), '720p');
      await page.getByRole('button', { name: 'New preset' }).click();
      await page.getByLabel('Name').fill('Broken');
      await page.getByLabel('Container').fill('nope');
      await page.getByRole('button', { name: 'Create preset' }).click();
      const alert = page.locator('form[aria-label="New preset"] [role="alert"]');
      await alert.waitFor();
      const { errors } = await platform.graphql('mutation { createPreset(input: { name: "Broken", container: "nope" }) { id } }');
      assert.ok(errors?.[0]?.message, 'the API refuses it too');
      assert.equal(await alert.innerText(), errors[0].message, 'the same words the API gives');
      await shoot(page, 'presets');
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
    }
  });
});
