import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';

/** The checkout this build came from: the first folder up holding contracts/buf.yaml (or the working directory). */
function findRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'contracts', 'buf.yaml'))) return dir;
  }
  return process.cwd();
}

const root = findRoot();

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('contracts', () => {
  it('contracts/gen is exactly what protoc-gen-es makes of contracts/proto', () => {
    const work = mkdtempSync(join(tmpdir(), 'mpr-contracts-'));
    try {
      for (const name of ['buf.yaml', 'buf.gen.yaml', 'proto']) cpSync(join(root, 'contracts', name), join(work, name), { recursive: true });
      const bin = join(root, 'node_modules', '.bin');
      execFileSync(join(bin, 'buf'), ['generate'], { cwd: work, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
      const committed = join(root, 'contracts', 'gen');
      const fresh = join(work, 'gen');
      assert.deepEqual(files(fresh), files(committed), 'the same files');
      for (const file of files(fresh)) {
        assert.equal(readFileSync(join(fresh, file), 'utf8'), readFileSync(join(committed, file), 'utf8'), `${file} is stale: run npm run generate`);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('the protobuf passes buf lint', () => {
    const bin = join(root, 'node_modules', '.bin');
    execFileSync(join(bin, 'buf'), ['lint'], { cwd: join(root, 'contracts') });
  });
});
