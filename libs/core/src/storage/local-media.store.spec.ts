import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { ValidationError } from '../errors/domain.errors';
import { tempDir } from '../testing/media-fixtures';
import { LocalMediaStore } from './local-media.store';
import { StoredObjectMissing } from './media-store';
import { openMediaStore } from './media-store.factory';

function failingBody(): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push('half of it');
      } else this.destroy(new Error('the encoder died'));
    },
  });
}

describe('LocalMediaStore', () => {
  let dir: { path: string; remove(): Promise<void> };
  let store: LocalMediaStore;

  before(async () => {
    dir = await tempDir('mpr-local-store-');
    await mkdir(join(dir.path, 'in', 'sub'), { recursive: true });
    await writeFile(join(dir.path, 'in', 'sub', 'a.mp4'), '0123456789');
    await writeFile(join(dir.path, 'in', 'b.txt'), 'b');
    await writeFile(join(dir.path, 'secret.mp4'), 'secret');
    await symlink(join(dir.path, 'secret.mp4'), join(dir.path, 'in', 'escape.mp4'));
    await symlink(dir.path, join(dir.path, 'in', 'up'));
    store = openMediaStore('in', join(dir.path, 'in'), { scratchDir: join(dir.path, 'scratch') }) as LocalMediaStore;
  });
  after(() => dir?.remove());

  it('is what a path opens, its work root the root itself', () => {
    assert.ok(store instanceof LocalMediaStore);
    assert.equal(store.workRoot.path, join(dir.path, 'in'));
  });

  it('lists files by key (symlinked folders not entered), stats and reads them by range', async () => {
    const keys = [];
    for await (const object of store.list()) keys.push(object.key);
    assert.deepEqual(keys.sort(), ['b.txt', 'escape.mp4', 'sub/a.mp4']);
    assert.equal((await store.stat('sub/a.mp4'))?.size, 10n);
    assert.equal(await store.stat('none.mp4'), undefined);
    assert.equal(await text(await store.read('sub/a.mp4', { start: 2, end: 4 })), '234');
    await assert.rejects(store.read('none.mp4'), StoredObjectMissing);
  });

  it('lists only a folder when asked (the chunker lists its work directory), nothing for one that is not there', async () => {
    const keys = [];
    for await (const object of store.list('sub')) keys.push(object.key);
    assert.deepEqual(keys, ['sub/a.mp4']);
    const none = [];
    for await (const object of store.list('no-such-folder')) none.push(object.key);
    assert.deepEqual(none, []);
  });

  it('refuses a symlink out of the root, "..", absolute paths and URLs', async () => {
    await assert.rejects(store.stat('escape.mp4'), (err: Error) => err instanceof ValidationError && /leads outside the in root/.test(err.message));
    await assert.rejects(store.read('up/secret.mp4'), ValidationError);
    await assert.rejects(store.localFile('escape.mp4'), ValidationError);
    for (const key of ['../secret.mp4', join(dir.path, 'secret.mp4'), 's3://other/x.mp4']) {
      await assert.rejects(store.write(key, Readable.from(['x'])), ValidationError, key);
      await assert.rejects(store.delete(key), ValidationError, key);
    }
    await assert.rejects(store.write('up/planted.mp4', Readable.from(['x'])), (err: Error) => /leads outside the in root/.test(err.message));
    assert.ok(!existsSync(join(dir.path, 'planted.mp4')));
  });

  it('writes through a hidden part file: a failed body leaves neither the key nor a part', async () => {
    await store.write('new/c.mp4', Readable.from(['complete']));
    assert.equal(await readFile(join(dir.path, 'in', 'new', 'c.mp4'), 'utf8'), 'complete');
    await assert.rejects(store.write('new/c.mp4', failingBody()), /the encoder died/);
    await assert.rejects(store.write('new/d.mp4', failingBody()), /the encoder died/);
    assert.equal(await readFile(join(dir.path, 'in', 'new', 'c.mp4'), 'utf8'), 'complete');
    assert.deepEqual(await readdir(join(dir.path, 'in', 'new')), ['c.mp4']);
  });

  it('hands ffmpeg the file itself and publishes by rename', async () => {
    const file = await store.localFile('sub/a.mp4');
    assert.equal(file.path, join(dir.path, 'in', 'sub', 'a.mp4'));
    await file.release();
    assert.ok(existsSync(file.path));
    const work = store.workRoot.target('.e.mp4.part');
    await writeFile(work, 'e');
    await store.publishFile(work, 'pub/e.mp4');
    assert.ok(!existsSync(work));
    assert.equal(await readFile(join(dir.path, 'in', 'pub', 'e.mp4'), 'utf8'), 'e');
    assert.equal(await store.presignedUrl(), undefined);
  });

  it('copies a file within the root through a hidden part file, keeping the source; a missing source is named', async () => {
    await store.copy('sub/a.mp4', 'copies/a.mp4');
    assert.equal(await readFile(join(dir.path, 'in', 'copies', 'a.mp4'), 'utf8'), '0123456789');
    assert.equal(await readFile(join(dir.path, 'in', 'sub', 'a.mp4'), 'utf8'), '0123456789');
    assert.deepEqual(await readdir(join(dir.path, 'in', 'copies')), ['a.mp4']);
    await assert.rejects(store.copy('sub/none.mp4', 'copies/b.mp4'), StoredObjectMissing);
    await assert.rejects(store.copy('escape.mp4', 'copies/c.mp4'));
    assert.deepEqual(await readdir(join(dir.path, 'in', 'copies')), ['a.mp4']);
  });
});
