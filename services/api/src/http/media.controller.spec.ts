import 'reflect-metadata';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { MediaRoot } from '@mpr/core';
import { tempDir } from '@mpr/core/testing/media-fixtures';
import { MEDIA_IN_ROOT, MEDIA_OUT_ROOT } from '@mpr/core';
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

describe('MediaController', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let app: NestFastifyApplication;
  let url: string;

  before(async () => {
    dir = await tempDir();
    const inPath = join(dir.path, 'in');
    const outPath = join(dir.path, 'out');
    await mkdir(join(inPath, 'sub folder'), { recursive: true });
    await mkdir(outPath);
    await writeFile(join(inPath, 'clip.mp4'), CONTENT);
    await writeFile(join(inPath, 'sub folder', 'song.flac'), 'flac');
    await writeFile(join(inPath, 'empty.wav'), '');
    await writeFile(join(inPath, 'notes.txt'), 'notes');
    await writeFile(join(outPath, 'clip_720p.webm'), 'webm');
    await writeFile(join(dir.path, 'secret.mp4'), SECRET);
    await symlink(join(dir.path, 'secret.mp4'), join(inPath, 'escape.mp4'));

    @Module({
      controllers: [MediaController],
      providers: [
        { provide: MEDIA_IN_ROOT, useValue: new MediaRoot('in', inPath) },
        { provide: MEDIA_OUT_ROOT, useValue: new MediaRoot('out', outPath) },
      ],
    })
    class MediaTestModule {}

    app = await NestFactory.create<NestFastifyApplication>(MediaTestModule, new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  after(async () => {
    await app.close();
    await dir.remove();
  });

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

  for (const path of ['/media/in/missing.mp4', '/media/in/', '/media/in/sub%20folder', '/media/in/clip.mp4/inner.mp4', '/media/out/clip.mp4']) {
    it(`answers ${path} with 404`, async () => {
      const res = await rawRequest(url, path);
      assert.equal(res.status, 404);
      assert.deepEqual(JSON.parse(res.body.toString()), { error: 'media file not found' });
    });
  }
});
