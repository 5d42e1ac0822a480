import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MediaRoot, ValidationError } from '@mpr/core';
import { tempDir } from '@mpr/core/testing/media-fixtures';

/**
 * `/media/in` is a string prefix of `/media/in-other`: the containment check
 * must compare whole path segments. A ".." path never gets that far (it is
 * refused by its shape), so these reach the check through a symlink, the way
 * a file dropped into MEDIA_IN could.
 */
describe('MediaRoot: a sibling folder whose name starts like the root', () => {
  let dir: { path: string; remove(): Promise<void> };
  let root: MediaRoot;

  before(async () => {
    dir = await tempDir('mpr-sibling-');
    await mkdir(join(dir.path, 'in'));
    await mkdir(join(dir.path, 'in-other'));
    await writeFile(join(dir.path, 'in-other', 'b.mp4'), 'sibling');
    await writeFile(join(dir.path, 'in', 'a.mp4'), 'inside');
    await symlink(join(dir.path, 'in-other', 'b.mp4'), join(dir.path, 'in', 'to-sibling.mp4'));
    await symlink(join(dir.path, 'in-other'), join(dir.path, 'in', 'sibling-folder'));
    root = new MediaRoot('in', join(dir.path, 'in'));
  });
  after(() => dir?.remove());

  it('refuses a symlink to a file in the same-prefix sibling', async () => {
    await assert.rejects(root.resolve('to-sibling.mp4'), (err: unknown) => err instanceof ValidationError && /leads outside the in root/.test(err.message));
  });

  it('refuses a path through a symlinked same-prefix sibling folder', async () => {
    await assert.rejects(
      root.resolve('sibling-folder/b.mp4'),
      (err: unknown) => err instanceof ValidationError && /leads outside the in root/.test(err.message),
    );
  });

  it('compares whole segments, with or without a trailing separator on the root', () => {
    assert.equal(MediaRoot.contains('/media/in', '/media/in-other/b.mp4'), false);
    assert.equal(MediaRoot.contains('/media/in/', '/media/in-other/b.mp4'), false);
    assert.equal(MediaRoot.contains('/media/in', '/media/inb.mp4'), false);
    assert.equal(MediaRoot.contains('/media/in', '/media/in/b.mp4'), true);
    assert.equal(MediaRoot.contains('/media/in/', '/media/in/b.mp4'), true);
    assert.equal(MediaRoot.contains('/media/in', '/media/in'), true);
  });

  it('still resolves a file inside the root', async () => {
    assert.equal(await root.resolve('a.mp4'), join(dir.path, 'in', 'a.mp4'));
  });
});
