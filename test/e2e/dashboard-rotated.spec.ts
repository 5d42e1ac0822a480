import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { makeRotatedVideo } from '@mpr/core/testing/media-fixtures';
import { PlatformProcess } from '@mpr/core/testing/platform-process';
import { assertConsole, launchChromium, openDashboard, signIn } from './dashboard-harness';

/**
 * [M5] A phone clip shot upright, as the dashboard lists it: the size it is
 * shown at (the coded 160×90 turned 90°), saying it is rotated, not the
 * coded size a viewer would take for a landscape clip.
 */
describe('the dashboard on a rotated phone clip (Chromium)', { timeout: 180_000 }, () => {
  let platform: PlatformProcess;
  let browser: Browser;

  before(async () => {
    [platform, browser] = await Promise.all([PlatformProcess.start(), launchChromium()]);
    await makeRotatedVideo(join(platform.mediaIn, 'portrait.mov'), 90, { seconds: 0.5, width: 160, height: 90 });
  });

  after(() => Promise.all([browser?.close(), platform?.stop()]));

  it('shows the displayed size and the rotation', async () => {
    const dashboard = await openDashboard(browser, platform);
    const { page, consoleErrors } = dashboard;
    try {
      await signIn(page);
      await page.getByRole('link', { name: 'Assets' }).click();
      await page.getByRole('button', { name: 'Scan media folder' }).click();
      const row = page.locator('tr[data-asset="portrait.mov"]');
      await row.locator('.badge-ready').waitFor();
      assert.match(await row.innerText(), /90×160 \(rotated 90°\)/);
      // The first check, before the token was given, is refused.
      assertConsole(consoleErrors, 1);
    } finally {
      await dashboard.close();
    }
  });
});
