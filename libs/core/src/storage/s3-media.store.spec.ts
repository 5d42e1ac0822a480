import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { S3Client } from '@aws-sdk/client-s3';
import { ValidationError } from '../errors/domain.errors';
import { MediaRoot } from '../media/media-root';
import { tempDir } from '../testing/media-fixtures';
import { TestS3Server } from '../testing/s3-server';
import { StorageError, StoredObjectMissing } from './media-store';
import { openMediaStore } from './media-store.factory';
import { ObjectSpool } from './object-spool';
import { S3MediaStore } from './s3-media.store';
import { parseStorageLocation, type ObjectLocation } from './storage-location';

const MiB = 1024 * 1024;

/** `size` bytes of a repeatable pattern, produced in 1 MiB chunks; with `failAfter`, the stream errors once that many bytes are out. */
function patternStream(size: number, failAfter?: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) {
        this.destroy(new Error('the encoder died'));
        return;
      }
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(MiB, size - sent);
      const chunk = Buffer.alloc(n, sent / MiB);
      sent += n;
      this.push(chunk);
    },
  });
}

/** Runs `fn` with `env` added to the process environment (where the SDK's credential chain looks), then restores it. */
async function withEnv(env: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    await fn();
  } finally {
    process.env = saved;
  }
}

async function sha256(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('S3MediaStore against an S3-protocol server (s3rver)', () => {
  let server: TestS3Server;
  let scratch: { path: string; remove(): Promise<void> };
  let requests: string[] = [];

  function client(credentials = server.credentials): S3Client {
    const s3 = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', credentials, maxAttempts: 1 });
    s3.middlewareStack.add((next, context) => (args) => {
      requests.push(context.commandName ?? '?');
      return next(args);
    });
    return s3;
  }

  function store(url: string, options: { credentials?: { accessKeyId: string; secretAccessKey: string }; pageSize?: number } = {}): S3MediaStore {
    const location = parseStorageLocation(url) as ObjectLocation;
    const dir = join(scratch.path, Math.random().toString(36).slice(2));
    return new S3MediaStore(
      'in',
      location,
      client(options.credentials),
      new ObjectSpool(join(dir, 'spool')),
      new MediaRoot('in', join(dir, 'work')),
      options.pageSize,
    );
  }

  before(async () => {
    server = await TestS3Server.start(['media', 'other']);
    scratch = await tempDir('mpr-s3-scratch-');
  });
  after(async () => {
    await server?.stop();
    await scratch?.remove();
  });

  it('writes, stats and reads an object, whole and by range, under its prefix', async () => {
    const media = store('s3://media/uploads');
    const written = await media.write('clips/a.txt', Readable.from(['0123456789']));
    assert.equal(written.size, 10n);
    const stat = await media.stat('clips/a.txt');
    assert.equal(stat?.size, 10n);
    assert.ok(stat.modifiedAt instanceof Date);
    assert.equal(await text(await media.read('clips/a.txt')), '0123456789');
    assert.equal(await text(await media.read('clips/a.txt', { start: 3, end: 6 })), '3456');
    // The prefix is the root: the same object seen from the bucket's top has it in its key.
    assert.equal((await store('s3://media').stat('uploads/clips/a.txt'))?.size, 10n);
    assert.equal(await media.stat('clips/none.txt'), undefined);
    await assert.rejects(
      media.read('clips/none.txt'),
      (err: Error) => err instanceof StoredObjectMissing && err.message === 'in/clips/none.txt does not exist',
    );
  });

  it('lists every object under the prefix, page by page, in key order', async () => {
    const media = store('s3://media/listing', { pageSize: 2 });
    const keys = ['b.mp4', 'a.mp4', 'sub/c.mkv', 'sub/deeper/d.mov', 'e.txt'];
    for (const key of keys) await media.write(key, Readable.from([key]));
    await store('s3://media').write('listing-sibling/x.mp4', Readable.from(['x']));
    requests = [];
    const listed = [];
    for await (const object of media.list()) listed.push(object);
    assert.deepEqual(
      listed.map((o) => o.key),
      ['a.mp4', 'b.mp4', 'e.txt', 'sub/c.mkv', 'sub/deeper/d.mov'],
    );
    assert.equal(listed.find((o) => o.key === 'sub/c.mkv')?.size, BigInt('sub/c.mkv'.length));
    assert.ok(requests.filter((name) => name === 'ListObjectsV2Command').length >= 3, `pages read: ${requests.join(', ')}`);
  });

  it('lists only a folder when asked: keys under `<folder>/`, not a sibling sharing its first letters', async () => {
    const media = store('s3://media/folders', { pageSize: 2 });
    for (const key of ['.mpr-chunks/j-a1/attempt.json', '.mpr-chunks/j-a1/segment-000.mkv', '.mpr-chunks/j-a2/x', '.mpr-chunks-other/y', 'out.mp4']) {
      await media.write(key, Readable.from([key]));
    }
    const listed = async (folder: string) => {
      const keys = [];
      for await (const object of media.list(folder)) keys.push(object.key);
      return keys;
    };
    assert.deepEqual(await listed('.mpr-chunks/j-a1'), ['.mpr-chunks/j-a1/attempt.json', '.mpr-chunks/j-a1/segment-000.mkv']);
    assert.deepEqual(await listed('.mpr-chunks'), ['.mpr-chunks/j-a1/attempt.json', '.mpr-chunks/j-a1/segment-000.mkv', '.mpr-chunks/j-a2/x']);
    assert.deepEqual(await listed('none'), []);
    await assert.rejects(media.list('../up')[Symbol.asyncIterator]().next(), ValidationError);
  });

  it('uploads a large body in parts and reads back the same bytes', async () => {
    const media = store('s3://media/big');
    requests = [];
    const object = await media.write('twenty.bin', patternStream(20 * MiB));
    assert.equal(object.size, BigInt(20 * MiB));
    assert.ok(requests.includes('CreateMultipartUploadCommand') && requests.includes('CompleteMultipartUploadCommand'), requests.join(', '));
    assert.equal(requests.filter((name) => name === 'UploadPartCommand').length, 3);
    assert.equal(await sha256(await media.read('twenty.bin')), await sha256(patternStream(20 * MiB)));
  });

  it('streams 200 MiB up, down and into the spool with bounded memory (never a whole file in memory)', async () => {
    const media = store('s3://media/large');
    const size = 200 * MiB;
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      await media.write('large.bin', patternStream(size));
      assert.equal(await sha256(await media.read('large.bin')), await sha256(patternStream(size)));
      const file = await media.localFile('large.bin');
      assert.equal((await stat(file.path)).size, size);
      await file.release();
    } finally {
      clearInterval(sampler);
    }
    const grewMiB = (peak - baseline) / MiB;
    console.log(`200 MiB up, down and spooled: peak RSS ${(peak / MiB).toFixed(0)} MiB, ${grewMiB.toFixed(0)} MiB above the start`);
    // Parts of 8 MiB, two in flight, plus the SDK's and the streams' buffers; a whole file would be 200 MiB.
    assert.ok(grewMiB < 120, `RSS grew by ${grewMiB.toFixed(0)} MiB`);
  });

  it('leaves nothing at the key when the body fails mid-upload, and an older object untouched', async () => {
    const media = store('s3://media/broken');
    await assert.rejects(
      media.write('new.mp4', patternStream(30 * MiB, 18 * MiB)),
      (err: Error) => err instanceof StorageError && /write s3:\/\/media\/broken\/new\.mp4/.test(err.message),
    );
    assert.equal(await media.stat('new.mp4'), undefined);

    await media.write('old.mp4', Readable.from(['the finished one']));
    await assert.rejects(media.write('old.mp4', patternStream(30 * MiB, 10 * MiB)), StorageError);
    assert.equal(await text(await media.read('old.mp4')), 'the finished one');
  });

  it('leaves nothing at the key when the upload is aborted', async () => {
    const media = store('s3://media/aborted');
    const controller = new AbortController();
    const body = patternStream(40 * MiB);
    body.once('data', () => setImmediate(() => controller.abort(new Error('cancelled'))));
    await assert.rejects(media.write('cancelled.mp4', body, controller.signal), StorageError);
    assert.equal(await media.stat('cancelled.mp4'), undefined);
  });

  it('refuses keys that leave the root before any request is sent', async () => {
    const media = store('s3://media/in');
    await media.write('inside.txt', Readable.from(['x']));
    requests = [];
    for (const key of ['../other/a.txt', '/in/inside.txt', 's3://other/a.txt', 'a/../../b', '']) {
      await assert.rejects(media.stat(key), ValidationError, key);
      await assert.rejects(media.read(key), ValidationError, key);
      await assert.rejects(media.write(key, Readable.from(['x'])), ValidationError, key);
      await assert.rejects(media.delete(key), ValidationError, key);
      await assert.rejects(media.presignedUrl(key, 60), ValidationError, key);
    }
    assert.deepEqual(requests, []);
  });

  it('never puts credentials into its errors', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzSECRET';
    const media = store('s3://media', { credentials: { accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: secret } });
    for (const attempt of [
      () => media.stat('a.txt'),
      () => media.read('a.txt'),
      () => media.write('a.txt', Readable.from(['x'])),
      () => media.list()[Symbol.asyncIterator]().next(),
    ]) {
      await assert.rejects(attempt(), (err: Error) => {
        assert.ok(err instanceof StorageError, String(err));
        const everything = `${err.message} ${err.stack} ${JSON.stringify(err)}`;
        assert.ok(!everything.includes('AKIAUNKNOWNKEY000001') && !everything.includes(secret), everything);
        assert.match(err.message, /s3:\/\/media\/a\.txt|s3:\/\/media\/: /);
        return true;
      });
    }
  });

  it('spools an object once for concurrent readers and removes the copy after the last release', async () => {
    const media = store('s3://media/spool');
    await media.write('clip.mp4', Readable.from(['spooled bytes']));
    requests = [];
    const [a, b] = await Promise.all([media.localFile('clip.mp4'), media.localFile('clip.mp4')]);
    assert.equal(a.path, b.path);
    assert.match(a.path, /\.mp4$/);
    assert.equal(await readFile(a.path, 'utf8'), 'spooled bytes');
    assert.equal(requests.filter((name) => name === 'GetObjectCommand').length, 1);
    await a.release();
    assert.ok(existsSync(b.path));
    await b.release();
    assert.ok(!existsSync(b.path));
    await assert.rejects(media.localFile('none.mp4'), StoredObjectMissing);
  });

  it('copies an object within the root on the server (CopyObject: no byte through this process), keeping the source', async () => {
    const media = store('s3://media/copies');
    // Uploaded in 2 parts, as an executor's staged output larger than a part is.
    await media.write('.staged.mp4.part', patternStream(9 * 1024 * 1024));
    requests = [];
    const copied = await media.copy('.staged.mp4.part', 'renders/final cut.mp4');
    assert.deepEqual(requests, ['HeadObjectCommand', 'CopyObjectCommand', 'HeadObjectCommand']);
    assert.equal(copied.size, BigInt(9 * 1024 * 1024));
    assert.equal(await sha256(await media.read('renders/final cut.mp4')), await sha256(patternStream(9 * 1024 * 1024)));
    assert.equal((await media.stat('.staged.mp4.part'))?.size, copied.size, 'the source is kept');
    await assert.rejects(media.copy('none.mp4', 'x.mp4'), (err: Error) => err instanceof StoredObjectMissing && err.message === 'in/none.mp4 does not exist');
    assert.equal(await media.stat('x.mp4'), undefined);
    requests = [];
    await assert.rejects(media.copy('../other/a.mp4', 'x.mp4'), ValidationError);
    await assert.rejects(media.copy('.staged.mp4.part', 's3://other/x.mp4'), ValidationError);
    assert.deepEqual(
      requests.filter((name) => name === 'CopyObjectCommand'),
      [],
      'nothing copied out of the root',
    );
  });

  it('publishes a finished local file to its key and removes the local one', async () => {
    const media = store('s3://media/published');
    const work = media.workRoot.target('out/.a.mp4.part');
    await mkdir(join(work, '..'), { recursive: true });
    await writeFile(work, 'encoded');
    const object = await media.publishFile(work, 'out/a.mp4');
    assert.equal(object.size, 7n);
    assert.equal(await text(await media.read('out/a.mp4')), 'encoded');
    assert.ok(!existsSync(work));
  });

  it('hands out a presigned URL that reads the object, with Range, without other credentials', async () => {
    const media = store('s3://media/signed');
    await media.write('a.txt', Readable.from(['presigned!']));
    const url = await media.presignedUrl('a.txt', 60);
    assert.match(url, /X-Amz-Signature=/);
    assert.equal(await (await fetch(url)).text(), 'presigned!');
    const ranged = await fetch(url, { headers: { Range: 'bytes=0-3' } });
    assert.equal(ranged.status, 206);
    assert.equal(await ranged.text(), 'pres');
  });

  it('is what MEDIA_IN=s3://… opens, with credentials and region from the SDK chain (environment)', async () => {
    await withEnv(server.env(), async () => {
      const media = openMediaStore('in', 's3://media/from-env', { endpoint: server.endpoint, forcePathStyle: true, scratchDir: scratch.path });
      assert.equal(media.description, 's3://media/from-env/');
      await media.write('a.txt', Readable.from(['chain']));
      assert.equal(await text(await media.read('a.txt')), 'chain');
    });
  });

  it('gs:// uploads in parts with checksums only where required (GCS XML API settings), here against the S3 server', async () => {
    await withEnv(server.env(), async () => {
      const media = openMediaStore('out', 'gs://media/gcs', { gcsEndpoint: server.endpoint, forcePathStyle: true, scratchDir: scratch.path });
      assert.equal(media.description, 'gs://media/gcs/');
      const object = await media.write('big.bin', patternStream(12 * MiB));
      assert.equal(object.size, BigInt(12 * MiB));
    });
  });
});
