import assert from 'node:assert/strict';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeVideo, probeStreams } from '@mpr/core/testing/media-fixtures';
import { API_TOKEN, type ApiHarness, startApi } from './api-harness';

interface AssetView {
  id: string;
  filePath: string;
  status: string;
  duration: number | null;
  fileUrl: { href: string };
  playback: { href: string; expiresAt: string | null; preview: boolean; reason: string | null } | null;
  thumbnailStrip: { href: string; count: number; tileWidth: number; tileHeight: number; interval: number } | null;
}

const ASSET_FIELDS =
  'id filePath status duration fileUrl { href } playback { href expiresAt preview reason } thumbnailStrip { href count tileWidth tileHeight interval }';

type Credential = 'none' | 'wrong' | 'right';
const authorization = (credential: Credential): Record<string, string> =>
  credential === 'none' ? {} : { authorization: `Bearer ${credential === 'right' ? API_TOKEN : 'w'.repeat(API_TOKEN.length)}` };

/** The API's mpr_derived_media_requests_total for `kind` and `outcome` (0 before the first such request). */
async function requests(h: ApiHarness, kind: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`, { headers: authorization('right') })).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('mpr_derived_media_requests_total{') && l.includes(`kind="${kind}"`) && l.includes(`outcome="${outcome}"`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('API: derived media (browser previews, thumbnail strips)', () => {
  let h: ApiHarness;
  let assets: Record<string, AssetView>;

  const load = async () => {
    const { data, errors } = await h.graphql<{ assets: AssetView[] }>(`query { assets { ${ASSET_FIELDS} } }`);
    assert.equal(errors, undefined, JSON.stringify(errors));
    assets = Object.fromEntries(data!.assets.map((a) => [a.filePath, a]));
  };
  const get = (href: string, init?: RequestInit) => fetch(`${h.url}${href}`, init);

  before(async () => {
    h = await startApi();
    await makeVideo(join(h.mediaIn, 'old.avi'), { seconds: 2, width: 160, height: 120, fps: 10 });
    await makeVideo(join(h.mediaIn, 'later-broken.avi'), { seconds: 1 });
    await makeVideo(join(h.mediaIn, 'clip.mp4'), { seconds: 1 });
    await writeFile(join(h.mediaIn, 'corrupt.avi'), Buffer.alloc(4096, 0x5a));
    const scan = await h.graphql('mutation { scanMediaFolder { registered } }');
    assert.equal(scan.errors, undefined, JSON.stringify(scan.errors));
    await load();
  });
  after(() => h?.stop());

  it('hands out the file itself to play when a browser decodes it, a signed preview URL when not, nothing for a corrupt asset', () => {
    const avi = assets['old.avi'];
    assert.equal(avi.status, 'ready');
    assert.equal(avi.playback?.preview, true);
    assert.equal(avi.playback?.reason, 'browsers do not play AVI files');
    assert.match(avi.playback!.href, new RegExp(`^/media/derived/${avi.id}/preview\\.mp4\\?expires=\\d+&signature=[\\w-]{43}$`));
    assert.ok(avi.playback!.expiresAt);
    const mp4 = assets['clip.mp4'];
    assert.deepEqual({ ...mp4.playback, expiresAt: undefined }, { href: mp4.fileUrl.href, preview: false, reason: null, expiresAt: undefined });
    assert.match(avi.thumbnailStrip!.href, new RegExp(`^/media/derived/${avi.id}/thumbnails\\.jpg\\?expires=\\d+&signature=[\\w-]{43}$`));
    assert.deepEqual(
      { ...avi.thumbnailStrip, href: undefined },
      {
        href: undefined,
        count: 10,
        tileWidth: 160,
        tileHeight: 120,
        interval: Math.round((avi.duration! / 10) * 1e6) / 1e6,
      },
    );
    assert.equal(assets['corrupt.avi'].status, 'error');
    assert.equal(assets['corrupt.avi'].playback, null);
    assert.equal(assets['corrupt.avi'].thumbnailStrip, null);
  });

  it("makes an AVI's preview once for two requests at the same time (H.264 + AAC), then serves it from the cache with Range", async () => {
    const avi = assets['old.avi'];
    const made = await requests(h, 'preview', 'made');
    const waited = (await requests(h, 'preview', 'joined')) + (await requests(h, 'preview', 'cached'));
    const [first, second] = await Promise.all([get(avi.playback!.href), get(avi.playback!.href)]);
    assert.equal(first.status, 200, await first.clone().text());
    assert.equal(second.status, 200);
    assert.equal(first.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await first.arrayBuffer());
    assert.deepEqual(Buffer.from(await second.arrayBuffer()), bytes);
    assert.equal(await requests(h, 'preview', 'made'), made + 1, 'one ffmpeg run for both requests');
    assert.equal((await requests(h, 'preview', 'joined')) + (await requests(h, 'preview', 'cached')), waited + 1);

    const folder = join(h.config.MPR_DATA_DIR, 'cache', 'preview', avi.id);
    const files = await readdir(folder);
    assert.equal(files.length, 1, files.join(', '));
    const cached = join(folder, files[0]);
    const probe = await probeStreams(cached);
    assert.deepEqual(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(), ['audio:aac', 'video:h264']);
    assert.ok(Math.abs(probe.duration - 2) < 0.2, `preview lasts ${probe.duration} s`);
    const identity = await stat(cached);

    const cachedBefore = await requests(h, 'preview', 'cached');
    const ranged = await get(avi.playback!.href, { headers: { range: 'bytes=0-99' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 0-99/${bytes.length}`);
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), bytes.subarray(0, 100));
    assert.equal(await requests(h, 'preview', 'cached'), cachedBefore + 1);
    assert.equal(await requests(h, 'preview', 'made'), made + 1, 'no second run');
    const after = await stat(cached);
    assert.deepEqual([after.ino, after.mtimeMs], [identity.ino, identity.mtimeMs], 'the same cache file');
  });

  it('makes a strip of ten 160-wide thumbnails as one JPEG', async () => {
    const strip = assets['old.avi'].thumbnailStrip!;
    const res = await get(strip.href);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    const body = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...body.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
    const folder = join(h.config.MPR_DATA_DIR, 'cache', 'thumbnails', assets['old.avi'].id);
    const [file] = await readdir(folder);
    const probe = await probeStreams(join(folder, file));
    assert.deepEqual(
      probe.streams.map((s) => [s.codec_name, s.width, s.height]),
      [['mjpeg', 1600, 120]],
    );
  });

  it("says why a corrupt asset has no preview, and gives ffmpeg's reason for a file broken after its probe", async () => {
    const corrupt = assets['corrupt.avi'];
    const failedBefore = await requests(h, 'preview', 'failed');
    const refused = await get(`/media/derived/${corrupt.id}/preview.mp4`, { headers: authorization('right') });
    assert.equal(refused.status, 409);
    const { error } = (await refused.json()) as { error: string };
    assert.match(error, /^in\/corrupt\.avi is error \(ffprobe: .+\), so it has no preview$/);

    const broken = assets['later-broken.avi'];
    assert.equal(broken.playback?.preview, true);
    await writeFile(join(h.mediaIn, 'later-broken.avi'), Buffer.alloc(8192, 0x00));
    const failed = await get(broken.playback!.href);
    assert.equal(failed.status, 422);
    const failure = ((await failed.json()) as { error: string }).error;
    assert.match(failure, /^ffmpeg could not make the preview of in\/later-broken\.avi: /);
    assert.doesNotMatch(failure, new RegExp(h.mediaIn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no host path');
    assert.equal(await requests(h, 'preview', 'failed'), failedBefore + 2);
    assert.deepEqual(await readdir(join(h.config.MPR_DATA_DIR, 'cache', 'preview', broken.id)), [], 'no partial file left');

    const unknown = await get('/media/derived/no-such-asset/thumbnails.jpg', { headers: authorization('right') });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: string }).error, 'asset no-such-asset not found');
  });

  it('keeps them behind the media lock: no credential or a wrong token 401, the token or the signed URL 200, a URL signed for another asset 403', async () => {
    // Assets of their own, so that this test's requests change no other test's counts.
    const mp4 = assets['clip.mp4'];
    const avi = assets['old.avi'];
    const result: Record<string, Record<Credential, number>> = {};
    for (const file of ['preview.mp4', 'thumbnails.jpg']) {
      result[file] = { none: 0, wrong: 0, right: 0 };
      for (const credential of ['none', 'wrong', 'right'] as const) {
        const res = await get(`/media/derived/${mp4.id}/${file}`, { headers: authorization(credential) });
        await res.arrayBuffer();
        result[file][credential] = res.status;
      }
    }
    assert.deepEqual(result, { 'preview.mp4': { none: 401, wrong: 401, right: 200 }, 'thumbnails.jpg': { none: 401, wrong: 401, right: 200 } });

    const signed = mp4.thumbnailStrip!.href;
    assert.equal((await get(signed)).status, 200);
    const query = signed.slice(signed.indexOf('?'));
    // Refused before anything is made: the signature is checked first.
    const elsewhere = await get(`/media/derived/${avi.id}/thumbnails.jpg${query}`);
    assert.equal(elsewhere.status, 403);
    assert.equal(((await elsewhere.json()) as { error: string }).error, 'the signature does not match this file and expiry');
    const otherKind = await get(`/media/derived/${mp4.id}/preview.mp4${query}`);
    assert.equal(otherKind.status, 403);
  });
});
