import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeKeyframedSource } from '@mpr/core/testing/media-fixtures';
import { PlatformProcess } from '@mpr/core/testing/platform-process';
import { waitFor } from '@mpr/core/testing/wait-for';
import { assertConsole, launchChromium, openDashboard, shoot, signIn } from './dashboard-harness';

interface JobFacts {
  id: string;
  status: string;
  events: Array<{ sequence: number; type: string }>;
}

/**
 * The Jobs view and a job's page live from the gateway's streams (through
 * the API's origin), in a real Chromium against the platform with its
 * gateway as a process of its own, so the test can take it away: bars move
 * with no GraphQL request while a job runs; a gateway killed mid-job shows
 * the reconnect banner, and once it is back the page's history equals the
 * log (no gap, nothing twice).
 */
describe('the dashboard live (Chromium, WatchEvents / WatchJob)', () => {
  let platform: PlatformProcess;
  let browser: Browser;
  const sources = new Map<string, string>();

  before(async () => {
    [platform, browser] = await Promise.all([PlatformProcess.start({}, { gatewayApart: true }), launchChromium()]);
    // Long enough at 720p that the encode runs for several seconds, and outlasts a gateway restart.
    await Promise.all([
      makeKeyframedSource(join(platform.mediaIn, 'steady.mp4'), { seconds: 20, fps: 25, size: '640x360' }),
      makeKeyframedSource(join(platform.mediaIn, 'outage.mp4'), { seconds: 40, fps: 25, size: '640x360' }),
    ]);
    await platform.query('mutation { scanMediaFolder { found } }');
    const { assets } = await platform.query<{ assets: Array<{ id: string; filePath: string }> }>('query { assets(status: "ready") { id filePath } }');
    for (const asset of assets) sources.set(asset.filePath, asset.id);
    assert.deepEqual([...sources.keys()].sort(), ['outage.mp4', 'steady.mp4']);
  });

  after(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const createJob = async (filePath: string): Promise<string> => {
    const { createJob } = await platform.query<{ createJob: { id: string } }>(
      `mutation { createJob(input: { sourceAssetId: "${sources.get(filePath)}", presetId: "builtin-h264-720p" }) { id } }`,
    );
    return createJob.id;
  };

  const jobFacts = async (id: string): Promise<JobFacts> =>
    (await platform.query<{ job: JobFacts }>(`query { job(id: "${id}") { id status events { sequence type } } }`)).job;

  /** Every width the row's bar showed, recorded in the page by a MutationObserver (nothing the test polls). The tests' tsconfig has no DOM: a script. */
  const recordBar = (page: Page, jobId: string) =>
    page.evaluate(`(() => {
      const seen = (window.barWidths = []);
      new MutationObserver(() => {
        const bar = document.querySelector('tr[data-job="${jobId}"] [role="progressbar"]');
        const value = Number(bar?.getAttribute('aria-valuenow'));
        if (bar && seen.at(-1) !== value) seen.push(value);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
    })()`);

  it('moves a running job live with no GraphQL request: status, bar, speed, counts', async () => {
    const { page, consoleErrors, close } = await openDashboard(browser, platform);
    try {
      await signIn(page);
      await page.locator('[data-live="live"]').waitFor();
      const graphql: string[] = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/graphql') graphql.push(request.postData() ?? '');
      });
      const jobId = await createJob('steady.mp4');
      const row = page.locator(`tr[data-job="${jobId}"]`);
      await row.waitFor();
      await recordBar(page, jobId);
      await page.locator(`tr[data-job="${jobId}"][data-status="processing"]`).waitFor({ timeout: 60_000 });
      const requestsBeforeRun = graphql.length;
      assert.equal(await page.locator('[data-count="processing"]').innerText(), '1', 'the live count of processing jobs');
      await page.locator(`tr[data-job="${jobId}"][data-status="completed"]`).waitFor({ timeout: 120_000 });
      const widths = (await page.evaluate('window.barWidths')) as number[];
      assert.equal(graphql.length, requestsBeforeRun, `no GraphQL request while the job ran: ${graphql.slice(requestsBeforeRun).join('\n')}`);
      assert.ok(widths.filter((w) => w > 0 && w < 100).length >= 2, `the bar moved through intermediate widths while running (saw ${JSON.stringify(widths)})`);
      assert.equal(widths.at(-1), 100);
      assert.equal(await page.locator('[data-count="completed"]').innerText(), '1');
      assert.equal(await page.locator('[data-count="processing"]').innerText(), '0');
      // What the page shows is what the read model holds, and its position in the log is the log's.
      const facts = await jobFacts(jobId);
      assert.equal(facts.status, 'completed');
      assert.ok(Number(await page.locator('[data-sequence]').first().getAttribute('data-sequence')) >= facts.events.at(-1)!.sequence);
      assert.equal(requestsBeforeRun <= 1, true, `at most the one read of the new job's row (saw ${requestsBeforeRun})`);
      await shoot(page, 'jobs-live');
      assertConsole(consoleErrors, 1);
    } finally {
      await close();
    }
  });

  it('shows the reconnect banner while the gateway is away, then the job history with no gap and nothing twice', async () => {
    const { page, consoleErrors, close } = await openDashboard(browser, platform);
    try {
      await signIn(page);
      const jobId = await createJob('outage.mp4');
      await page.goto(`${platform.url('api')}/#/jobs/${jobId}`);
      await page.locator('.toolbar .badge-processing').waitFor({ timeout: 60_000 });
      await page.locator('table[data-history] tr[data-sequence]').first().waitFor();
      const before = (await jobFacts(jobId)).events.length;

      await platform.stopGateway('SIGKILL');
      await page.locator('[data-banner="reconnecting"]').waitFor({ timeout: 15_000 });
      await shoot(page, 'job-reconnecting');
      // The job goes on while the page cannot see it: events it must catch up on.
      await waitFor('the job to log events while the gateway is away', () => jobFacts(jobId), {
        done: (job) => job.events.length >= before + 2,
        timeoutMs: 60_000,
        describe: (job) => `${job.events.length} events (${before} before the kill), ${job.status}`,
      });
      await platform.startGateway();
      await page.locator('[data-banner="reconnecting"]').waitFor({ state: 'detached', timeout: 30_000 });

      await page.locator('.toolbar .badge-completed').waitFor({ timeout: 120_000 });
      const log = (await jobFacts(jobId)).events.map((e) => e.sequence);
      await waitFor('the page to show every event of the log', () => page.locator('table[data-history] tr[data-sequence]').count(), {
        done: (n) => n >= log.length,
        timeoutMs: 10_000,
      });
      const shown = await page.locator('table[data-history] tr[data-sequence]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-sequence'))));
      assert.deepEqual(shown, log, 'the history is the log: no gap, no duplicate');
      assert.ok(log.length > before + 1, 'some of it happened while the gateway was away');
      await page.locator('[role="progressbar"][aria-valuenow="100"]').waitFor();
      await shoot(page, 'job-live');
      // The refused check before sign-in, and the streams the killed gateway cut (Chromium logs each failed fetch).
      assert.deepEqual(
        consoleErrors.filter((text) => !/401|ERR_EMPTY_RESPONSE|ERR_INCOMPLETE_CHUNKED_ENCODING|503|ERR_CONNECTION/.test(text)),
        [],
        'no console error beyond the provoked refusal and the cut streams',
      );
    } finally {
      await close();
    }
  });
});
