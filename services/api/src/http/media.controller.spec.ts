import 'reflect-metadata';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_CONFIG, loadConfig, LocalMediaStore, MediaUrlSigner, NotFound } from '@mpr/core';
import { tempDir } from '@mpr/core/testing/media-fixtures';
import { MEDIA_IN_STORE, MEDIA_OUT_STORE } from '@mpr/core';
import { DerivedMediaUnavailable } from '../derived/derived-media.errors';
import type { DerivedKind } from '../derived/derived-media.repository';
import { DerivedMediaService } from '../derived/derived-media.service';
import { MediaUrlService } from '../media/media-url.service';
import { MediaController } from './media.controller';

const CONTENT = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
const SECRET = 'root:x:0:0:do-not-leak';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** fetch would normalise "..", "%2e%2e" and "//" away before sending; node:http sends the path as written. */
function rawRequest(url: string, path: string, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject).end();
  });
}

interface MediaApp {
  url: string;
  urls: MediaUrlService;
  close(): Promise<void>;
}

/** The controller alone over two temp roots, configured by `env` (MPR_API_TOKEN or not). */
async function startMediaApp(env: Record<string, string>): Promise<MediaApp> {
  const dir = await tempDir();
  const inPath = join(dir.path, 'in');
  const outPath = join(dir.path, 'out');
  await mkdir(join(inPath, 'sub folder'), { recursive: true });
  await mkdir(outPath);
  await writeFile(join(inPath, 'clip.mp4'), CONTENT);
  await writeFile(join(inPath, 'sub folder', 'song.flac'), 'flac');
  await writeFile(join(inPath, 'empty.wav'), '');
  await writeFile(join(inPath, 'notes.txt'), 'notes');
  await writeFile(join(outPath, 'clip_720p.webm'), 'webm');
  await writeFile(join(outPath, 'clip.mp4'), 'an output of the same name');
  await writeFile(join(dir.path, 'secret.mp4'), SECRET);
  await symlink(join(dir.path, 'secret.mp4'), join(inPath, 'escape.mp4'));
  const derivedPath = join(dir.path, 'preview.mp4');
  await writeFile(derivedPath, CONTENT);
  // The controller's part only: which asset gives what is DerivedMediaService's (its e2e spec runs ffmpeg).
  const derived: Pick<DerivedMediaService, 'file'> = {
    async file(assetId: string, kind: DerivedKind) {
      if (assetId === 'a-ready') return { path: derivedPath, contentType: kind === 'preview' ? 'video/mp4' : 'image/jpeg' };
      if (assetId === 'a-corrupt')
        throw new DerivedMediaUnavailable('failed', 'ffmpeg could not make the preview of in/bad.avi: Invalid data found when processing input');
      if (assetId === 'a-pending') throw new DerivedMediaUnavailable('not-ready', 'in/new.avi is pending, so it has no preview');
      throw new NotFound('asset', assetId);
    },
  };

  @Module({
    controllers: [MediaController],
    providers: [
      { provide: APP_CONFIG, useValue: loadConfig(env) },
      { provide: MEDIA_IN_STORE, useValue: new LocalMediaStore('in', inPath) },
      { provide: MEDIA_OUT_STORE, useValue: new LocalMediaStore('out', outPath) },
      MediaUrlService,
      { provide: DerivedMediaService, useValue: derived },
    ],
  })
  class MediaTestModule {}

  const app = await NestFactory.create<NestFastifyApplication>(MediaTestModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return {
    url: await app.getUrl(),
    urls: app.get(MediaUrlService),
    async close() {
      await app.close();
      await dir.remove();
    },
  };
}

describe('MediaController', () => {
  let media: MediaApp;
  let url: string;

  before(async () => {
    media = await startMediaApp({});
    url = media.url;
  });
  after(() => media?.close());

  it('sends a whole file with its type and length', async () => {
    const res = await fetch(`${url}/media/in/clip.mp4`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    assert.equal(res.headers.get('content-length'), '1000');
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), CONTENT);
  });

  it('serves the output root, nested and URL-encoded paths', async () => {
    const out = await fetch(`${url}/media/out/clip_720p.webm`);
    assert.equal(out.headers.get('content-type'), 'video/webm');
    assert.equal(await out.text(), 'webm');
    const nested = await fetch(`${url}/media/in/sub%20folder/song.flac`);
    assert.equal(nested.status, 200);
    assert.equal(nested.headers.get('content-type'), 'audio/flac');
    assert.equal(await nested.text(), 'flac');
  });

  it('falls back to application/octet-stream for other files, and sends an empty one', async () => {
    const other = await fetch(`${url}/media/in/notes.txt`);
    assert.equal(other.headers.get('content-type'), 'application/octet-stream');
    assert.equal(await other.text(), 'notes');
    const empty = await fetch(`${url}/media/in/empty.wav`);
    assert.equal(empty.status, 200);
    assert.equal(empty.headers.get('content-length'), '0');
    assert.equal(await empty.text(), '');
  });

  it('answers a byte range with 206 and exactly those bytes', async () => {
    const res = await fetch(`${url}/media/in/clip.mp4`, { headers: { range: 'bytes=100-199' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), 'bytes 100-199/1000');
    assert.equal(res.headers.get('content-length'), '100');
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), CONTENT.subarray(100, 200));
  });

  it('answers an open range and a suffix range', async () => {
    const open = await fetch(`${url}/media/in/clip.mp4`, { headers: { range: 'bytes=990-' } });
    assert.equal(open.status, 206);
    assert.equal(open.headers.get('content-range'), 'bytes 990-999/1000');
    assert.deepEqual(Buffer.from(await open.arrayBuffer()), CONTENT.subarray(990));
    const suffix = await fetch(`${url}/media/in/clip.mp4`, { headers: { range: 'bytes=-50' } });
    assert.equal(suffix.status, 206);
    assert.equal(suffix.headers.get('content-range'), 'bytes 950-999/1000');
    assert.equal(suffix.headers.get('content-length'), '50');
    assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), CONTENT.subarray(950));
  });

  it('refuses a range past the end with 416 and the size', async () => {
    const res = await fetch(`${url}/media/in/clip.mp4`, { headers: { range: 'bytes=1000-1010' } });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('content-range'), 'bytes */1000');
    assert.equal(await res.text(), '');
  });

  it('answers several ranges with the whole file', async () => {
    const res = await fetch(`${url}/media/in/clip.mp4`, { headers: { range: 'bytes=0-9,20-29' } });
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), CONTENT);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const whole = await rawRequest(url, '/media/in/clip.mp4', 'HEAD');
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['content-length'], '1000');
    assert.equal(whole.headers['content-type'], 'video/mp4');
    assert.equal(whole.body.length, 0);
    const ranged = await fetch(`${url}/media/in/clip.mp4`, { method: 'HEAD', headers: { range: 'bytes=0-9' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-length'), '10');
    assert.equal(ranged.headers.get('content-range'), 'bytes 0-9/1000');
  });

  for (const path of [
    '/media/in/..%2f..%2fetc%2fpasswd',
    '/media/in/../secret.mp4',
    '/media/in/%2e%2e/secret.mp4',
    '/media/in/%2E%2E%2Fsecret.mp4',
    '/media/in/sub%20folder/..%2f..%2fsecret.mp4',
    '/media/in//etc/passwd',
    '/media/in/%2fetc%2fpasswd',
    '/media/out/..%2fin%2fclip.mp4',
    '/media/in/escape.mp4',
  ]) {
    it(`refuses ${path} with 403 and a JSON error`, async () => {
      const res = await rawRequest(url, path);
      assert.equal(res.status, 403, res.body.toString());
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const body = JSON.parse(res.body.toString()) as { error: string };
      assert.equal(typeof body.error, 'string');
      assert.doesNotMatch(res.body.toString(), /do-not-leak|root:x:0/);
    });
  }

  for (const path of ['/media/in/missing.mp4', '/media/in/', '/media/in/sub%20folder', '/media/in/clip.mp4/inner.mp4', '/media/out/clip_480p.mp4']) {
    it(`answers ${path} with 404`, async () => {
      const res = await rawRequest(url, path);
      assert.equal(res.status, 404);
      assert.deepEqual(JSON.parse(res.body.toString()), { error: 'media file not found' });
    });
  }
});

describe('MediaController with MPR_API_TOKEN set: signed URLs or the bearer token', () => {
  const TOKEN = 'media-test-token-0123456789';
  const signer = new MediaUrlSigner(TOKEN);
  let media: MediaApp;

  before(async () => {
    media = await startMediaApp({ MPR_API_TOKEN: TOKEN, MPR_MEDIA_URL_TTL_SECONDS: '600' });
  });
  after(() => media?.close());

  const fetchHref = (href: string, init?: RequestInit) => fetch(`${media.url}${href}`, init);
  const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

  it('opens a file with the URL the API hands out, without any header, for at least the TTL', async () => {
    const before = Date.now();
    const { href, expiresAt } = media.urls.urlFor('in', 'clip.mp4');
    assert.match(href, /^\/media\/in\/clip\.mp4\?expires=\d+&signature=[\w-]{43}$/);
    assert.ok(expiresAt!.getTime() >= before + 600_000 && expiresAt!.getTime() <= before + 660_000, String(expiresAt));
    const res = await fetchHref(href);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), CONTENT);
  });

  it('keeps Range and HEAD working on a signed URL', async () => {
    const { href } = media.urls.urlFor('in', 'clip.mp4');
    const ranged = await fetchHref(href, { headers: { range: 'bytes=100-199' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), 'bytes 100-199/1000');
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), CONTENT.subarray(100, 200));
    const head = await fetchHref(href, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '1000');
  });

  it('signs the path as routed: folders with spaces, the output root', async () => {
    const nested = await fetchHref(media.urls.urlFor('in', 'sub folder/song.flac').href);
    assert.equal(nested.status, 200);
    assert.equal(await nested.text(), 'flac');
    const out = await fetchHref(media.urls.urlFor('out', 'clip_720p.webm').href);
    assert.equal(await out.text(), 'webm');
  });

  it('refuses a request without a credential with 401, naming both ways in', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await fetchHref('/media/in/clip.mp4', { method });
      assert.equal(res.status, 401, method);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
    const res = await fetchHref('/media/out/clip_720p.webm');
    assert.equal(
      await errorOf(res),
      'a media file without a signed URL (MediaAsset.fileUrl, TranscodeJob.outputUrl) needs an "Authorization: Bearer <token>" header',
    );
  });

  it('takes the bearer token instead of a signature, and refuses a wrong one with 401', async () => {
    const right = await fetchHref('/media/in/clip.mp4', { headers: { authorization: `Bearer ${TOKEN}`, range: 'bytes=0-9' } });
    assert.equal(right.status, 206);
    assert.deepEqual(Buffer.from(await right.arrayBuffer()), CONTENT.subarray(0, 10));
    const wrong = await fetchHref('/media/in/clip.mp4', { headers: { authorization: `Bearer ${'x'.repeat(TOKEN.length)}` } });
    assert.equal(wrong.status, 401);
    assert.equal(await errorOf(wrong), 'the bearer token is not valid');
  });

  it("serves derived media behind the same lock: no credential 401, a signed URL with Range, another asset's signature 403", async () => {
    const bare = await fetchHref('/media/derived/a-ready/preview.mp4');
    assert.equal(bare.status, 401);
    const { href } = media.urls.urlFor('derived', 'a-ready/preview.mp4');
    assert.match(href, /^\/media\/derived\/a-ready\/preview\.mp4\?expires=\d+&signature=[\w-]{43}$/);
    const ranged = await fetchHref(href, { headers: { range: 'bytes=0-9' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), CONTENT.subarray(0, 10));
    const other = await fetchHref(`/media/derived/a-corrupt/preview.mp4${href.slice(href.indexOf('?'))}`);
    assert.equal(other.status, 403);
    const thumbs = await fetchHref('/media/derived/a-ready/thumbnails.jpg', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(thumbs.headers.get('content-type'), 'image/jpeg');
  });

  it("answers derived media it cannot give with the reason: unknown asset or file 404, not ready 409, ffmpeg's failure 422", async () => {
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    const cases: Array<[string, number, string]> = [
      ['/media/derived/a-gone/preview.mp4', 404, 'asset a-gone not found'],
      ['/media/derived/a-ready/other.mp4', 404, 'media file not found'],
      ['/media/derived/a-pending/preview.mp4', 409, 'in/new.avi is pending, so it has no preview'],
      ['/media/derived/a-corrupt/preview.mp4', 422, 'ffmpeg could not make the preview of in/bad.avi: Invalid data found when processing input'],
    ];
    for (const [path, status, error] of cases) {
      const res = await fetchHref(path, auth);
      assert.equal(res.status, status, path);
      assert.equal(await errorOf(res), error, path);
    }
  });

  it('refuses an expired URL with 403 and when it expired', async () => {
    const expires = Math.floor(Date.now() / 1000) - 5;
    const res = await fetchHref(`/media/in/clip.mp4?expires=${expires}&signature=${signer.sign('in', 'clip.mp4', expires)}`);
    assert.equal(res.status, 403);
    assert.equal(await errorOf(res), `this signed URL expired at ${new Date(expires * 1000).toISOString()}; ask the API for a fresh one`);
  });

  it('never opens another file with a URL signed for one', async () => {
    const { href } = media.urls.urlFor('in', 'clip.mp4');
    const query = href.slice(href.indexOf('?'));
    // The same name under the other root, another file, a path that walks back to the signed one.
    for (const path of ['/media/out/clip.mp4', '/media/in/notes.txt', '/media/in/sub%20folder/..%2fclip.mp4', '/media/in/clip.mp4/']) {
      const res = await rawRequest(media.url, `${path}${query}`);
      assert.equal(res.status, 403, `${path}: ${res.body.toString()}`);
      assert.deepEqual(JSON.parse(res.body.toString()), { error: 'the signature does not match this file and expiry' }, path);
    }
  });

  it('refuses a tampered expiry or signature, and a half-signed or malformed URL, with 403 and the reason', async () => {
    const { href } = media.urls.urlFor('in', 'clip.mp4');
    const params = new URL(href, media.url).searchParams;
    const expires = params.get('expires')!;
    const signature = params.get('signature')!;
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const cases: Array<[string, string]> = [
      [`expires=${Number(expires) + 3600}&signature=${signature}`, 'the signature does not match this file and expiry'],
      [`expires=${expires}&signature=${flipped}`, 'the signature does not match this file and expiry'],
      [`expires=${expires}`, 'a signed media URL needs both "expires" and "signature"; ask the API for a fresh one'],
      [`signature=${signature}`, 'a signed media URL needs both "expires" and "signature"; ask the API for a fresh one'],
      [`expires=soon&signature=${signature}`, '"expires" must be a time in unix seconds'],
      [`expires=${expires}&expires=${expires}&signature=${signature}`, '"expires" must be a time in unix seconds'],
      [`expires=${expires}&signature=short`, '"signature" must be 43 base64url characters'],
    ];
    for (const [query, error] of cases) {
      // The right token beside a bad signature does not rescue it: a signed URL is judged as one.
      const res = await fetchHref(`/media/in/clip.mp4?${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 403, query);
      assert.equal(await errorOf(res), error, query);
    }
  });

  it('refuses a URL signed with another token', async () => {
    const expires = Math.floor(Date.now() / 1000) + 600;
    const other = new MediaUrlSigner('another-token-0123456789').sign('in', 'clip.mp4', expires);
    const res = await fetchHref(`/media/in/clip.mp4?expires=${expires}&signature=${other}`);
    assert.equal(res.status, 403);
  });

  it('still refuses escapes with 403 when the escape itself is signed', async () => {
    const { href } = media.urls.urlFor('in', 'escape.mp4');
    const res = await fetchHref(href);
    assert.equal(res.status, 403);
    assert.doesNotMatch(await res.text(), /do-not-leak/);
  });
});
