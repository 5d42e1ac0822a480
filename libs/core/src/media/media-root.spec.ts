import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ValidationError } from '../errors/domain.errors';
import { tempDir } from '../testing/media-fixtures';
import { MediaRoot } from './media-root';

describe('MediaRoot', () => {
  let dir: { path: string; remove(): Promise<void> };
  let root: MediaRoot;

  before(async () => {
    dir = await tempDir();
    await mkdir(join(dir.path, 'in', 'sub'), { recursive: true });
    await writeFile(join(dir.path, 'in', 'sub', 'a.mp4'), 'x');
    await writeFile(join(dir.path, 'secret.txt'), 'secret');
    await symlink(join(dir.path, 'secret.txt'), join(dir.path, 'in', 'escape.mp4'));
    await symlink(join(dir.path, 'in', 'sub', 'a.mp4'), join(dir.path, 'in', 'inside.mp4'));
    // A sibling whose name starts like the root must not count as inside it.
    await mkdir(join(dir.path, 'in-other'));
    await writeFile(join(dir.path, 'in-other', 'b.mp4'), 'x');
    root = new MediaRoot('in', join(dir.path, 'in'));
  });
  after(() => dir.remove());

  it('resolves a relative path inside the root', async () => {
    assert.equal(await root.resolve('sub/a.mp4'), join(dir.path, 'in', 'sub', 'a.mp4'));
    assert.equal(root.relativeOf(join(dir.path, 'in', 'sub', 'a.mp4')), 'sub/a.mp4');
  });

  it('follows a symlink that stays inside the root', async () => {
    assert.equal(await root.resolve('inside.mp4'), join(dir.path, 'in', 'sub', 'a.mp4'));
  });

  for (const [label, path, message] of [
    ['"../"', '../secret.txt', /may not contain "\.\."/],
    ['a nested "../"', 'sub/../../secret.txt', /may not contain "\.\."/],
    ['an absolute path', '/etc/passwd', /must be relative/],
    ['a symlink out of the root', 'escape.mp4', /leads outside the in root/],
    ['a sibling folder with the same prefix', '../in-other/b.mp4', /may not contain/],
  ] as const) {
    it(`refuses ${label} with a ValidationError`, async () => {
      await assert.rejects(root.resolve(path), (err: unknown) => err instanceof ValidationError && message.test(err.message));
    });
  }

  it('refuses escaping target paths for new files too', () => {
    assert.throws(() => root.target('../out.mp4'), ValidationError);
    assert.equal(root.target('x/out.mp4'), join(dir.path, 'in', 'x', 'out.mp4'));
  });

  it('reports a missing file as ENOENT, not as an escape', async () => {
    await assert.rejects(root.resolve('nope.mp4'), { code: 'ENOENT' });
  });
});
