import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeKeyframedSource } from '@mpr/core/testing/media-fixtures';
import { PLATFORM_API_TOKEN, PlatformProcess } from '@mpr/core/testing/platform-process';
import { waitFor } from '@mpr/core/testing/wait-for';
import { assertConsole, openDashboard, shoot, signIn, launchChromium, WIDTHS } from './dashboard-harness';
import { metricValue } from './scheduler-harness';

/** The visible controls (buttons, links, fields) outside `selector` whose box meets one of its boxes, each as "tag text". */
const controlsUnder = (page: Page, selector: string): Promise<string[]> =>
  page.evaluate(`(() => {
    const selector = ${JSON.stringify(selector)};
    const over = [...document.querySelectorAll(selector)].map((el) => el.getBoundingClientRect());
    const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    return [...document.querySelectorAll('button, a, input, select, textarea')]
      .filter((el) => !el.closest(selector) && el.getClientRects().length > 0)
      .filter((el) => over.some((box) => meets(box, el.getBoundingClientRect())))
      .map((el) => el.tagName.toLowerCase() + ' ' + (el.textContent ?? '').trim());
  })()`) as Promise<string[]>;

/**
 * The System view in real Chromium against the whole platform: every
 * service's health and the live workers; then, from the page only, pause
 * dispatch, create a job and see it wait (pending, first in the queue),
 * resume and see it run to COMPLETED. Screenshots at 1280×800 and 390 px.
 */
describe('the System view in Chromium', () => {
  let platform: PlatformProcess;
  let browser: Browser;

  before(async () => {
    [platform, browser] = await Promise.all([PlatformProcess.start(), launchChromium()]);
    // Long enough an encode (20 s of 640×360 to 720p) for the page to see the worker busy with it.
    await makeKeyframedSource(join(platform.mediaIn, 'clip.mp4'), { seconds: 20, fps: 25, size: '640x360' });
  });

  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  /** The scheduler's own count of job events it handed back for a pause: proof that it saw the job and held it. */
  const heldTotal = async () => {
    const response = await fetch(`${platform.url('scheduler')}/metrics`, { headers: { authorization: `Bearer ${PLATFORM_API_TOKEN}` } });
    return metricValue(await response.text(), 'mpr_scheduler_held_total') ?? 0;
  };

  it('shows every service healthy and the live workers, rescans with its result', async () => {
    const { page, consoleErrors, close } = await openDashboard(browser, platform);
    try {
      await signIn(page);
      await page.getByRole('link', { name: 'System' }).click();
      for (const service of ['api', 'gateway', 'scheduler', 'transcoder', 'chunker']) {
        await page.locator(`tr[data-service="${service}"][data-health="ok"]`).waitFor();
      }
      // One transcoder slot and two chunker segment workers (MPR_CHUNK_WORKERS' default), idle.
      await page.locator('tr[data-worker][data-busy="no"]').nth(2).waitFor();
      const kinds = await page.locator('tr[data-worker] [data-kind]').allInnerTexts();
      assert.deepEqual(kinds, ['transcoder', 'chunker', 'chunker']);
      assert.match(await page.locator('tr[data-worker]').first().innerText(), /\d+ s ago/);
      await page.locator('tr[data-queue="transcode-normal"]').waitFor();
      assert.equal(await page.locator('tr[data-queue]').count(), 5);
      await page.locator('dl[data-behind="0"]').waitFor();

      await page.getByRole('button', { name: 'Rescan media folder' }).click();
      await page.locator('[data-result="rescan"]').filter({ hasText: 'Scan: 1 found, 1 new' }).waitFor();
      await shoot(page, 'system');
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
    }
  });

  it('pause dispatch holds a new job pending and first in the queue; resume runs it to COMPLETED', async () => {
    const { page, consoleErrors, close } = await openDashboard(browser, platform);
    page.on('dialog', (dialog) => void dialog.accept());
    try {
      await signIn(page);
      await page.getByRole('link', { name: 'System' }).click();
      await page.getByLabel('Reason for the pause').fill('disk swap');
      await page.getByRole('button', { name: 'Pause dispatch' }).click();
      await page.locator('section[data-dispatch="paused"]').filter({ hasText: 'Paused (disk swap)' }).waitFor();
      await page.locator('[data-result="pause"]').filter({ hasText: 'Dispatch paused (disk swap)' }).waitFor();
      const heldBefore = await heldTotal();

      await page.getByRole('link', { name: 'Assets' }).click();
      // Registers the clip when this test runs alone; finds it known otherwise.
      await page.getByRole('button', { name: 'Scan media folder' }).click();
      await page.getByTestId('scan-result').filter({ hasText: '1 found' }).waitFor();
      const asset = page.locator('tr[data-asset="clip.mp4"]');
      await asset.locator('.badge-ready').waitFor();
      await asset.getByRole('button', { name: 'Transcode…' }).click();
      await page.getByLabel('Preset').selectOption('builtin-h264-720p');
      await page.getByRole('button', { name: 'Create job' }).click();
      await page.waitForURL(/#\/jobs\/[\w-]+$/);
      const jobId = decodeURIComponent(page.url().split('/').pop() ?? '');

      await waitFor('the scheduler to hold the new job', heldTotal, { done: (n) => n > heldBefore, timeoutMs: 60_000 });
      await page.getByRole('link', { name: 'Jobs', exact: true }).click();
      const row = page.locator(`tr[data-job="${jobId}"]`);
      await row.locator('.badge-pending').waitFor();
      assert.match(await row.innerText(), /#1\b/, 'first in the queue');
      // The Jobs list was read before the pause (at sign-in): the notice came with the stream's DispatchPaused.
      await page
        .locator('[data-dispatch-notice="paused"]')
        .filter({ hasText: 'Dispatch is paused (disk swap)' })
        .filter({ hasText: '1 pending job(s)' })
        .waitFor();

      await page.getByRole('link', { name: 'System' }).click();
      await page.locator('section[data-dispatch="paused"]').filter({ hasText: '1 pending job(s) waiting' }).waitFor();
      await shoot(page, 'system-paused');

      await page.getByRole('button', { name: 'Resume dispatch' }).click();
      await page.locator('[data-result="resume"]').filter({ hasText: 'Dispatch resumed' }).waitFor();
      await page.locator('section[data-dispatch="running"]').waitFor();
      // The transcoder's slot says live what it runs: this job, its first attempt.
      const busy = page.locator('tr[data-worker][data-busy="yes"]').filter({ hasText: jobId.slice(0, 8) });
      await busy.waitFor({ timeout: 60_000 });
      assert.match(await busy.innerText(), /transcoder[\s\S]*try 1/);
      await shoot(page, 'system-busy');

      await page.getByRole('link', { name: 'Jobs', exact: true }).click();
      await page.locator(`tr[data-job="${jobId}"] .badge-completed`).waitFor({ timeout: 120_000 });
      assert.equal(await page.locator('[data-dispatch-notice]').count(), 0, 'no notice while dispatching');

      // Paused from elsewhere (another operator, `nats req mpr.control.pause`): the open list says so, with no read of its own.
      const reads: string[] = [];
      page.on('request', (request) => void (request.url().endsWith('/graphql') && reads.push(request.postData() ?? '')));
      await platform.query('mutation { pauseDispatch(reason: "from elsewhere") { paused } }');
      const notice = page.locator('[data-dispatch-notice="paused"]').filter({ hasText: 'Dispatch is paused (from elsewhere)' });
      await notice.waitFor();
      assert.deepEqual(reads, [], 'no GraphQL request: the pause came live');
      await page.setViewportSize(WIDTHS.phone);
      await shoot(page, 'jobs-paused');

      // Resumed from the notice at 390 px: its outcome shows under the header and lies over no control.
      await page.setViewportSize(WIDTHS.phone);
      await notice.getByRole('button', { name: 'Resume dispatch' }).click();
      const toast = page.locator('[data-notice="ok"]').filter({ hasText: 'Dispatch resumed' });
      await toast.waitFor();
      await page.locator('[data-dispatch-notice]').waitFor({ state: 'detached' });
      assert.deepEqual(await controlsUnder(page, '[data-notice]'), [], 'the notice covers no control');
      await shoot(page, 'jobs-notice');
      await toast.getByRole('button', { name: 'Dismiss' }).click();
      await toast.waitFor({ state: 'detached' });
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
    }
  });
});
