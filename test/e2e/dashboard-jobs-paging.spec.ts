import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { seedJobs } from '@mpr/core/testing/job-seed';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { PlatformProcess } from '@mpr/core/testing/platform-process';
import { waitFor } from '@mpr/core/testing/wait-for';
import { assertConsole, launchChromium, openDashboard, shoot, signIn } from './dashboard-harness';

const JOBS = { completed: 200, failed: 30, pending: 20 };
const TOTAL = JOBS.completed + JOBS.failed + JOBS.pending;

/**
 * A large jobs list in a real Chromium: with more jobs than a page, the Jobs
 * view draws one page of rows (100) while its counts cover every job, and
 * "Show more" and the filters page through the rest. How fast it is with
 * 10,000 jobs is bench/dashboard's to print, never a test's to assert.
 */
describe('the dashboard: a jobs list larger than a page', () => {
  let platform: PlatformProcess;
  let browser: Browser;

  before(async () => {
    [platform, browser] = await Promise.all([PlatformProcess.start(), launchChromium()]);
    // Nothing may run the seeded jobs: the pending ones stay pending.
    await platform.query('mutation { pauseDispatch(reason: "the seeded jobs stay as seeded") { paused } }');
    await makeVideo(join(platform.mediaIn, 'seed.mp4'), { seconds: 1 });
    await platform.query('mutation { scanMediaFolder { registered } }');
    const { assets } = await platform.query<{ assets: { id: string }[] }>('query { assets { id } }');
    await seedJobs(platform.streams.store, { counts: JOBS, sourceAssetId: assets[0].id, presetId: 'builtin-h264-720p' });
    await waitFor(
      `the read model to hold the ${TOTAL} seeded jobs`,
      async () =>
        (await platform.query<{ jobBoard: { completed: number; entries: unknown[] } }>('query { jobBoard(limit: 1) { completed entries { id } } }')).jobBoard,
      { done: (b) => b.completed + b.entries.length === TOTAL, timeoutMs: 60_000, describe: (b) => `${b.completed} completed + ${b.entries.length} others` },
    );
  });

  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('draws one page of rows with counts of every job, pages on with "Show more" and by filter', async () => {
    const { page, consoleErrors, close } = await openDashboard(browser, platform);
    try {
      await signIn(page);
      await page.locator('[data-live="live"] tr[data-job]').first().waitFor();
      const rows = page.locator('tr[data-job]');
      const count = (status: string) => page.locator(`[data-count="${status}"]`).innerText();
      assert.deepEqual(
        [await count('all'), await count('completed'), await count('failed'), await count('pending')],
        [String(TOTAL), String(JOBS.completed), String(JOBS.failed), String(JOBS.pending)],
      );
      assert.equal(await rows.count(), 100, 'one page of rows drawn');
      await shoot(page, 'jobs-many');

      const more = page.getByRole('button', { name: 'Show more' });
      await more.click();
      await page.getByText(`200 of ${TOTAL} shown`).waitFor();
      assert.equal(await rows.count(), 200);
      await more.click();
      await waitFor('every row drawn', () => rows.count(), { done: (n) => n === TOTAL, timeoutMs: 30_000 });
      assert.equal(await more.count(), 0, 'no "Show more" once every job is shown');

      await page.getByRole('button', { name: /^failed/ }).click();
      await waitFor('the failed jobs drawn', () => page.locator('tr[data-job][data-status="failed"]').count(), {
        done: (n) => n === JOBS.failed,
        timeoutMs: 30_000,
      });
      assert.equal(await rows.count(), JOBS.failed, 'only the filter rows');
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
    }
  });
});
