import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from './media-fixtures';

const run = promisify(execFile);
const PRELOAD = join(__dirname, 'test-timeouts.js');
/** `npm test`'s reporter (from dist/libs/core/src/testing back to the repository's scripts/). */
const LOCATED_SPEC = join(__dirname, '..', '..', '..', '..', '..', 'scripts', 'lib', 'located-spec-reporter.mjs');

/** Runs `source` as a test file under the preload, with a short default timeout; resolves with the runner's output. */
async function runWithPreload(source: string, reporter = 'tap'): Promise<string> {
  const dir = await tempDir('mpr-timeouts-');
  try {
    const file = join(dir.path, 'hang.test.js');
    await writeFile(file, source);
    // Without NODE_TEST_CONTEXT the inner runner reports as a runner of its own, not as a file of ours.
    const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
    const env = { ...outer, MPR_TEST_TIMEOUT_MS: '300', MPR_HOOK_TIMEOUT_MS: '300' };
    // A failing file exits non-zero: the output is what is asserted.
    const result = await run(process.execPath, ['--test', '--require', PRELOAD, `--test-reporter=${reporter}`, file], { env }).catch(
      (err: { stdout: string }) => err,
    );
    return result.stdout;
  } finally {
    await dir.remove();
  }
}

describe('the per-test timeout preload', () => {
  it('fails a test that hangs and still runs the next one in the same suite', async () => {
    const output = await runWithPreload(`
      const { describe, it } = require('node:test');
      describe('s', () => {
        it('hangs', () => new Promise((r) => setTimeout(r, 3_000)));
        it('passes', () => undefined);
      });`);
    assert.match(output, /not ok 1 - hangs[\s\S]*test timed out after 300ms/);
    assert.match(output, /ok 2 - passes/);
  });

  it('keeps a timeout the test names itself', async () => {
    const output = await runWithPreload(`
      const { it } = require('node:test');
      it('slow but bounded', { timeout: 5000 }, () => new Promise((r) => setTimeout(r, 600)));`);
    assert.match(output, /^ok 1 - slow but bounded/m);
  });

  it("npm test's reporter locates a failure at its line in the spec, not in the preload", async () => {
    const output = await runWithPreload(
      `const assert = require('node:assert');
      const { describe, it } = require('node:test');
      describe('s', () => {
        it('fails', () => assert.equal(1, 2));
        it('hangs', () => new Promise((r) => setTimeout(r, 3_000)));
      });`,
      LOCATED_SPEC,
    );
    assert.match(output, /test at \S*hang\.test\.js:4:\d+\n✖ fails/);
    assert.match(output, /✖ hangs/);
    assert.doesNotMatch(output, /test-timeouts/);
  });

  it('fails a hook that hangs', async () => {
    const output = await runWithPreload(`
      const { before, describe, it } = require('node:test');
      describe('s', () => {
        before(() => new Promise((r) => setTimeout(r, 3_000)));
        it('never runs', () => undefined);
      });`);
    // The hook never throws: only its timeout can fail it.
    assert.match(output, /failureType: 'hookFailed'/);
    assert.match(output, /not ok 1 - never runs/);
  });
});
