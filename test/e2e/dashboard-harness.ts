import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type ConsoleMessage, type Page } from 'playwright-core';
import { PLATFORM_API_TOKEN, type PlatformProcess } from '@mpr/core/testing/platform-process';

/** Debian's real binary: /usr/bin/chromium is a wrapper script Playwright cannot drive. */
const CHROMIUM = '/usr/lib/chromium/chromium';
/** Screenshots of every view at both widths, for a person to look at. */
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'dashboard');
export const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
/** What Chromium logs for each refused GraphQL call: the only console errors this page may cause, one per refusal the test provokes. */
const REFUSED = /^Failed to load resource: the server responded with a status of 401/;

export const launchChromium = (): Promise<Browser> => {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--disable-gpu'] });
};

export interface DashboardPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions, in order. */
  readonly consoleErrors: string[];
  close(): Promise<void>;
}

/** A fresh browser context (no stored token) on the dashboard, collecting console errors and uncaught exceptions. */
export const openDashboard = async (browser: Browser, platform: PlatformProcess): Promise<DashboardPage> => {
  const context = await browser.newContext({ viewport: WIDTHS.desktop });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  await page.goto(`${platform.url('api')}/`);
  await page
    .getByLabel('API token')
    .waitFor()
    .catch(async (err: Error) => {
      const body = await page.locator('body').innerHTML();
      throw new Error(`${err.message}\npage: ${body.slice(0, 1_000)}\nconsole: ${consoleErrors.join('\n')}`);
    });
  return { page, consoleErrors, close: () => context.close() };
};

export const signIn = async (page: Page, token = PLATFORM_API_TOKEN): Promise<void> => {
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
};

/** Only the refusals a test provoked (the first check without a token, a wrong token), each logged by Chromium as a failed resource. */
export const assertConsole = (consoleErrors: string[], refusals: number): void => {
  assert.deepEqual(
    consoleErrors.filter((text) => !REFUSED.test(text)),
    [],
    'no console error',
  );
  assert.equal(consoleErrors.length, refusals, consoleErrors.join('\n'));
};

/** A full-page screenshot at both widths, written as a test artifact. */
export const shoot = async (page: Page, name: string): Promise<void> => {
  for (const [label, viewport] of Object.entries(WIDTHS)) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDTHS.desktop);
};
