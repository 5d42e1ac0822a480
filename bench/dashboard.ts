/**
 * bench/dashboard: what the dashboard costs a browser, against the platform
 * as `npm start` runs it (one process, with a token), in Debian's Chromium:
 *   1. the bundle the API serves (dist/web): each file's size, raw and gzip;
 *   2. the Jobs view with --jobs (10,000) jobs in the read model: first paint,
 *      first contentful paint, and "interactive" — the first page of rows
 *      drawn, the counts covering every job and the live stream open, then a
 *      click on a status filter answered by its rows (the click's own time
 *      is printed too); long tasks on the main thread until then; the
 *      jobBoard answer's size and time; medians of --loads (5) fresh pages;
 *   3. a progress message published on NATS → the bar's new value in the
 *      page (the attribute the bar's width follows, seen by a MutationObserver
 *      on the frame it changes; its 0.3 s CSS ease is not counted), for
 *      --running (50) jobs at once, --rounds (20) rounds 250 ms apart:
 *      p50 / p99 / max.
 * Prints figures only; asserts nothing.
 *
 *   npm run bench -- dashboard [--jobs 10000] [--running 50] [--loads 5] [--rounds 20]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { jetstream } from '@nats-io/jetstream';
import { GatewayService } from '@mpr/contracts/gateway_pb';
import type { Browser } from 'playwright-core';
import { publishJobProgress } from '@mpr/core';
import { seedJobs } from '@mpr/core/testing/job-seed';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { PLATFORM_API_TOKEN, PlatformProcess } from '@mpr/core/testing/platform-process';
import { waitFor } from '@mpr/core/testing/wait-for';
import { launchChromium, WIDTHS } from '../test/e2e/dashboard-harness';
import { median, option } from './support/bench.support';

const JOBS = option('jobs', 10_000);
const RUNNING = option('running', 50);
const LOADS = option('loads', 5);
const ROUNDS = option('rounds', 20);
const ROUND_MS = 250;

const ms = (n: number) => `${n.toFixed(0)} ms`;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

function bundle(): void {
  const root = join(process.cwd(), 'dist', 'web');
  const files = ['index.html', ...readdirSync(join(root, 'assets')).map((f) => join('assets', f))];
  let raw = 0;
  let gzip = 0;
  console.log('\n1. bundle (dist/web, what the API serves)');
  for (const file of files) {
    const bytes = readFileSync(join(root, file));
    const zipped = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gzip += zipped;
    console.log(`   ${file.padEnd(34)} ${kb(bytes.length).padStart(10)} raw ${kb(zipped).padStart(10)} gzip`);
  }
  console.log(`   ${'total'.padEnd(34)} ${kb(raw).padStart(10)} raw ${kb(gzip).padStart(10)} gzip`);
}

interface Load {
  firstPaint: number;
  firstContentfulPaint: number;
  ready: number;
  interactive: number;
  click: number;
  longTasks: number;
  longTaskMs: number;
  boardBytes: number;
  boardMs: number;
  rows: number;
  live: number;
  /** "name start firstByte end" of each request, ms from navigation start. */
  requests: string[];
  /** The page's own JobBoard request (query and variables), to time it again from Node. */
  boardRequest: { query: string; variables?: Record<string, unknown> } | null;
}

/**
 * Installed before the page's own script: notes when the Jobs view is ready
 * (rows, the counts of every job, the stream live), then clicks the `failed`
 * filter and notes when its rows are drawn. Times from navigation start.
 */
const PROBE = (total: number) => `(() => {
  localStorage.setItem('mpr.apiToken', ${JSON.stringify(PLATFORM_API_TOKEN)});
  const marks = (window.benchMarks = { longTasks: 0, longTaskMs: 0 });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (marks.interactive === undefined) { marks.longTasks++; marks.longTaskMs += entry.duration; }
  }).observe({ type: 'longtask', buffered: true });
  const ready = () =>
    document.querySelector('[data-live="live"] tr[data-job]') && document.querySelector('[data-count="all"]')?.textContent === '${total}';
  const failedShown = () => document.querySelector('tr[data-job]')?.getAttribute('data-status') === 'failed';
  const tick = () => {
    marks.rows ??= document.querySelector('tr[data-job]') ? performance.now() : undefined;
    marks.live ??= document.querySelector('[data-live="live"]') ? performance.now() : undefined;
    if (marks.ready === undefined && ready()) {
      marks.ready = performance.now();
      document.querySelector('button[aria-pressed] [data-count="failed"]').parentElement.click();
      marks.clicked = performance.now();
    }
    if (marks.ready !== undefined && failedShown()) return (marks.interactive = performance.now());
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

async function loadJobsView(browser: Browser, url: string, total: number): Promise<Load> {
  const context = await browser.newContext({ viewport: WIDTHS.desktop });
  try {
    const page = await context.newPage();
    let boardRequest: Load['boardRequest'] = null;
    page.on('request', (request) => {
      const body = request.postData();
      if (request.url().endsWith('/graphql') && body?.includes('query JobBoard')) boardRequest ??= JSON.parse(body) as Load['boardRequest'];
    });
    await page.addInitScript(PROBE(total));
    await page.goto(`${url}/#/jobs`);
    await page.waitForFunction('window.benchMarks.interactive !== undefined', undefined, { timeout: 60_000 });
    const marks = (await page.evaluate(`(() => {
      const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
      const board = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/graphql')).sort((a, b) => b.decodedBodySize - a.decodedBodySize)[0];
      const m = window.benchMarks;
      return {
        firstPaint: paint['first-paint'], firstContentfulPaint: paint['first-contentful-paint'], ready: m.ready, interactive: m.interactive,
        click: m.interactive - m.clicked, longTasks: m.longTasks, longTaskMs: m.longTaskMs,
        boardBytes: board?.decodedBodySize ?? 0, boardMs: board ? board.responseEnd - board.requestStart : 0,
        rows: m.rows, live: m.live,
        requests: performance.getEntriesByType('resource').map((e) => [new URL(e.name).pathname.split('/').pop(), Math.round(e.startTime), Math.round(e.responseStart), Math.round(e.responseEnd)].join(' ')),
      };
    })()`)) as Omit<Load, 'boardRequest'>;
    return { ...marks, boardRequest };
  } finally {
    await context.close();
  }
}

interface Delay {
  round: number;
  ms: number;
}

async function progressLatency(browser: Browser, platform: PlatformProcess, running: string[]): Promise<{ page: Delay[]; node: Delay[] }> {
  const context = await browser.newContext({ viewport: WIDTHS.desktop });
  try {
    const page = await context.newPage();
    await page.addInitScript(`localStorage.setItem('mpr.apiToken', ${JSON.stringify(PLATFORM_API_TOKEN)})`);
    await page.goto(`${platform.url('api')}/#/jobs`);
    await page.getByRole('button', { name: /^processing/ }).click();
    await page.locator('[data-live="live"]').waitFor();
    await waitFor('every running job drawn', () => page.locator('tr[data-job][data-status="processing"]').count(), {
      done: (n) => n === running.length,
      timeoutMs: 60_000,
    });
    // Wall-clock times in both processes (the same machine's clock): when each bar took each value.
    await page.evaluate(`(() => {
      const seen = (window.barsSeen = []);
      new MutationObserver((records) => {
        const at = performance.timeOrigin + performance.now();
        for (const r of records) {
          const row = r.target.closest && r.target.closest('tr[data-job]');
          if (row) seen.push([row.getAttribute('data-job'), Number(r.target.getAttribute('aria-valuenow')), at]);
        }
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
    })()`);
    // The same messages at a Node client of the same origin (Connect, binary, HTTP/1.1, as the page): what the wire adds, apart from the page.
    const reference = new Map<string, number>();
    const controller = new AbortController();
    const transport = createConnectTransport({
      baseUrl: platform.url('api'),
      httpVersion: '1.1',
      useBinaryFormat: true,
      interceptors: [(next) => (req) => (req.header.set('authorization', `Bearer ${PLATFORM_API_TOKEN}`), next(req))],
    });
    const watching = (async () => {
      try {
        for await (const msg of createClient(GatewayService, transport).watchEvents(
          { aggregateTypes: ['job'], withProgress: true, fromSequence: 1n << 40n },
          { signal: controller.signal },
        )) {
          if (msg.kind.case !== 'progress') continue;
          const key = `${msg.kind.value.jobId}:${msg.kind.value.percent}`;
          if (!reference.has(key)) reference.set(key, performance.timeOrigin + performance.now());
        }
      } catch (err) {
        if (!controller.signal.aborted) throw err;
      }
    })();
    const js = jetstream(platform.streams.nc);
    const published = new Map<string, number>();
    for (let round = 1; round <= ROUNDS; round++) {
      await Promise.all(
        running.map((jobId) => {
          published.set(`${jobId}:${round}`, performance.timeOrigin + performance.now());
          return publishJobProgress(js, platform.streams.names, { jobId, attempt: 1, percent: round, fps: 25, speed: 1, etaSeconds: ROUNDS - round });
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
    }
    const expected = running.length * ROUNDS;
    const seen = await waitFor('every bar to take every value', () => page.evaluate('window.barsSeen') as Promise<[string, number, number][]>, {
      done: (s) => new Set(s.map(([job, value]) => `${job}:${value}`)).size >= expected,
      timeoutMs: 30_000,
      describe: (s) => `${s.length} of ${expected}`,
    });
    controller.abort();
    await watching;
    const first = new Map<string, number>();
    for (const [job, value, at] of seen) if (!first.has(`${job}:${value}`)) first.set(`${job}:${value}`, at);
    const delays = (arrived: Map<string, number>) =>
      [...published].flatMap(([key, at]) => (arrived.has(key) ? [{ round: Number(key.split(':')[1]), ms: arrived.get(key)! - at }] : []));
    return { page: delays(first), node: delays(reference) };
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  bundle();
  const [platform, browser] = await Promise.all([PlatformProcess.start({ MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS: '86400' }), launchChromium()]);
  try {
    await platform.query('mutation { pauseDispatch(reason: "bench: the seeded jobs stay as seeded") { paused } }');
    await makeVideo(join(platform.mediaIn, 'seed.mp4'), { seconds: 1 });
    await platform.query('mutation { scanMediaFolder { registered } }');
    const { assets } = await platform.query<{ assets: { id: string }[] }>('query { assets { id } }');
    const running = RUNNING;
    const rest = JOBS - running;
    const counts = { completed: Math.round(rest * 0.8), failed: Math.round(rest * 0.1), pending: 0, processing: running };
    counts.pending = rest - counts.completed - counts.failed;
    let started = performance.now();
    const ids = await seedJobs(platform.streams.store, { counts, sourceAssetId: assets[0].id, presetId: 'builtin-h264-720p' });
    const appended = performance.now() - started;
    started = performance.now();
    const held = async () => {
      const { jobBoard } = await platform.query<{ jobBoard: { completed: number; entries: { id: string }[] } }>(
        'query { jobBoard(limit: 1) { completed entries { id } } }',
      );
      return jobBoard.completed + jobBoard.entries.length;
    };
    await waitFor('the read model to hold every seeded job', held, { done: (n) => n >= JOBS, timeoutMs: 600_000, describe: (n) => `${n} of ${JOBS}` });
    console.log(
      `\n   seeded ${JOBS} jobs (${Object.entries(counts)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')}): appended in ${ms(appended)}, projected in ${ms(performance.now() - started)}`,
    );

    console.log(`\n2. the Jobs view with ${JOBS} jobs (${LOADS} fresh pages, medians; times from navigation start)`);
    const loads: Load[] = [];
    for (let i = 0; i < LOADS; i++) loads.push(await loadJobsView(browser, platform.url('api'), JOBS));
    const row = (label: string, pick: (l: Load) => number, format = ms) =>
      console.log(`   ${label.padEnd(46)} ${format(median(loads.map(pick))).padStart(10)}   (${loads.map((l) => format(pick(l))).join(', ')})`);
    row('first paint', (l) => l.firstPaint);
    row('first contentful paint', (l) => l.firstContentfulPaint);
    row('rows drawn', (l) => l.rows);
    row('stream live', (l) => l.live);
    row('ready: rows, every count, stream live', (l) => l.ready);
    row('interactive: a filter click answered', (l) => l.interactive);
    row('  the click itself', (l) => l.click);
    row(
      'long tasks until interactive (count)',
      (l) => l.longTasks,
      (n) => n.toFixed(0),
    );
    row('long tasks until interactive (total)', (l) => l.longTaskMs);
    row('jobBoard answer (decoded size)', (l) => l.boardBytes, kb);
    row('jobBoard answer (request → last byte)', (l) => l.boardMs);
    const middle = [...loads].sort((a, b) => a.ready - b.ready)[Math.floor(loads.length / 2)];
    console.log(`   requests of the median load (name, start, first byte, end; ms): ${middle.requests.join(' | ')}`);
    // Where the board's time goes, from Node: its entries alone, and with the page of rows as the page asks for them.
    const timed = async (query: string, variables?: Record<string, unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < LOADS; i++) {
        const at = performance.now();
        await platform.query(query, variables);
        times.push(performance.now() - at);
      }
      return median(times);
    };
    const entries = await timed('query { jobBoard(limit: 100) { sequence completed entries { id status priority queuedSequence } jobs { id } } }');
    const withRows = await timed(
      'query { jobBoard(limit: 100) { sequence completed entries { id status priority queuedSequence } jobs { id status progress createdAt sourceAsset { id filename } preset { id name } } } }',
    );
    console.log(`   ${'jobBoard from Node: entries + row ids'.padEnd(46)} ${ms(entries).padStart(10)}`);
    console.log(`   ${"jobBoard from Node: + rows' asset and preset".padEnd(46)} ${ms(withRows).padStart(10)}`);
    if (middle.boardRequest) {
      const own = await timed(middle.boardRequest.query, middle.boardRequest.variables);
      console.log(`   ${"jobBoard from Node: the page's own request".padEnd(46)} ${ms(own).padStart(10)}`);
    }

    console.log(`\n3. progress on NATS → the bar's new value (${running} jobs running, ${ROUNDS} rounds ${ROUND_MS} ms apart)`);
    const latencies = await progressLatency(browser, platform, ids.processing);
    for (const [label, delays] of [
      ['in the page (bar value)', latencies.page],
      ['a Node client, same origin (reference)', latencies.node],
    ] as const) {
      const values = delays.map((d) => d.ms);
      const byRound = Array.from({ length: ROUNDS }, (_, r) => median(delays.filter((d) => d.round === r + 1).map((d) => d.ms)));
      console.log(
        `   ${label.padEnd(40)} ${values.length}/${running * ROUNDS}: p50 ${ms(percentile(values, 50))}, p99 ${ms(percentile(values, 99))}, max ${ms(Math.max(...values))}; median by round ${byRound.map((v) => v.toFixed(0)).join(' ')}`,
      );
    }
  } finally {
    await browser.close();
    await platform.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
