import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { API_TOKEN, type ApiHarness, startApi } from './api-harness';
import { metricValue } from './scheduler-harness';

const LIMIT = 2;
const SOURCES = 5;
const SAME_FILE_REQUESTS = 3;

interface AssetView {
  id: string;
  filePath: string;
  playback: { href: string; preview: boolean } | null;
  thumbnailStrip: { href: string } | null;
}

/**
 * Derived media under load, with real requests and real ffmpeg: many requests at once start at most
 * MPR_DERIVED_MEDIA_CONCURRENCY ffmpeg processes, the same file asked several times is made once, and
 * every request still gets its file. Counted with the API's own metrics, not timed.
 */
describe('API: derived media runs at most MPR_DERIVED_MEDIA_CONCURRENCY ffmpeg processes at once', () => {
  let h: ApiHarness;
  let assets: AssetView[];

  const metrics = async () => (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).text();

  before(async () => {
    h = await startApi({ MPR_DERIVED_MEDIA_CONCURRENCY: String(LIMIT) });
    await Promise.all(Array.from({ length: SOURCES }, (_, i) => makeVideo(join(h.mediaIn, `old-${i}.avi`), { seconds: 2, width: 160, height: 120, fps: 10 })));
    const scan = await h.graphql('mutation { scanMediaFolder { registered } }');
    assert.equal(scan.errors, undefined, JSON.stringify(scan.errors));
    const { data, errors } = await h.graphql<{ assets: AssetView[] }>('query { assets { id filePath playback { href preview } thumbnailStrip { href } } }');
    assert.equal(errors, undefined, JSON.stringify(errors));
    assets = data!.assets;
  });
  after(() => h?.stop());

  it(`${SOURCES} previews asked ${SAME_FILE_REQUESTS} times each and ${SOURCES} strips, all at once: one run per file, at most ${LIMIT} at a time`, async () => {
    assert.equal(assets.length, SOURCES);
    assert.ok(assets.every((a) => a.playback?.preview && a.thumbnailStrip));
    const hrefs = assets.flatMap((a) => [...Array.from({ length: SAME_FILE_REQUESTS }, () => a.playback!.href), a.thumbnailStrip!.href]);
    const answers = await Promise.all(
      hrefs.map(async (href) => {
        const res = await fetch(`${h.url}${href}`);
        return { href, status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
      }),
    );
    assert.deepEqual(
      answers.filter((a) => a.status !== 200).map((a) => `${a.href}: ${a.status} ${a.bytes.toString()}`),
      [],
      'every request gets its file',
    );
    for (const asset of assets) {
      const previews = answers.filter((a) => a.href === asset.playback!.href);
      assert.ok(
        previews.every((p) => p.bytes.equals(previews[0].bytes)),
        `the same preview for every request of ${asset.filePath}`,
      );
    }

    const text = await metrics();
    const value = (name: string, labels: Record<string, string> = {}) => metricValue(text, name, labels) ?? 0;
    assert.equal(value('mpr_derived_media_ffmpeg_runs_total', { kind: 'preview' }), SOURCES, 'one ffmpeg run per preview');
    assert.equal(value('mpr_derived_media_ffmpeg_runs_total', { kind: 'thumbnails' }), SOURCES, 'one ffmpeg run per strip');
    assert.equal(value('mpr_derived_media_requests_total', { kind: 'preview', outcome: 'made' }), SOURCES);
    assert.equal(
      value('mpr_derived_media_requests_total', { kind: 'preview', outcome: 'joined' }) +
        value('mpr_derived_media_requests_total', { kind: 'preview', outcome: 'cached' }),
      SOURCES * (SAME_FILE_REQUESTS - 1),
    );
    // Ten makes asked at once: without the cap all ten ran together.
    assert.equal(value('mpr_derived_media_ffmpeg_running_peak'), LIMIT, `at most ${LIMIT} ffmpeg processes at once, and the slots were used`);
    const queued = value('mpr_derived_media_ffmpeg_queued_total', { kind: 'preview' }) + value('mpr_derived_media_ffmpeg_queued_total', { kind: 'thumbnails' });
    assert.ok(queued >= 1 && queued <= 2 * SOURCES - LIMIT, `makes that waited for a slot: ${queued}`);
    assert.equal(value('mpr_derived_media_ffmpeg_running'), 0, 'no run left once every answer is in');
  });
});
