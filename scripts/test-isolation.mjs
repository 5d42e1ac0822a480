#!/usr/bin/env node
// Proves on demand that the tests do not lean on each other:
//   node scripts/test-isolation.mjs [path filter...] [--reverse-only | --alone-only]
// builds once, starts one private nats-server and PostgreSQL (as `npm test`
// does), then (1) runs the chosen spec files one at a time in reverse order,
// (2) runs every test alone: its file with --test-name-pattern matching only
// its name (its suites' hooks run, nothing else). Prints each failure and a
// summary; exits non-zero if anything failed. Slow on purpose: one process
// per test.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages } from './infra.mjs';
import { createLifecycle, exitOnSignals, log, runOrThrow, which } from './lib/proc.mjs';
import { findSpecFiles, startTestInfra, testRunnerArgs } from './lib/test-run.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NPM = which('npm') ?? path.join(path.dirname(process.execPath), 'npm');
const REPORTER = path.join(ROOT, 'scripts', 'lib', 'test-names-reporter.mjs');

/** Runs `node --test` on `files` one at a time; resolves with its exit code and the tests it reported. */
function runTests(env, files, nodeFlags = []) {
  const args = testRunnerArgs(ROOT, ['--test-concurrency=1', `--test-reporter=${REPORTER}`, ...nodeFlags], files).filter(
    (a) => a === `--test-reporter=${REPORTER}` || !a.startsWith('--test-reporter='),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const tests = out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line));
      resolve({ code: code ?? 1, tests, stderr: err });
    });
  });
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function main() {
  const args = process.argv.slice(2);
  const filters = args.filter((a) => !a.startsWith('-'));
  const reverse = !args.includes('--alone-only');
  const alone = !args.includes('--reverse-only');
  const lifecycle = createLifecycle();
  exitOnSignals(lifecycle);
  const failures = [];
  try {
    const env = { ...process.env };
    const tools = await ensureSystemPackages([
      'ffmpeg',
      'chromium',
      ...(env.MPR_TEST_NATS_URL ? [] : ['nats']),
      ...(env.MPR_TEST_DATABASE_URL ? [] : ['postgres']),
    ]);
    await Promise.all([runOrThrow(NPM, ['run', 'build'], { cwd: ROOT }), startTestInfra(lifecycle, tools, env)]);
    const files = findSpecFiles(ROOT, filters);
    log(`${files.length} spec file(s)`);

    // Each file runs in its own process under `node --test` anyway: one runner per file, in reverse order, is the
    // same run, and names the file of each test (the events' own locations point at the timeout preload).
    const leaves = [];
    const listed = async (file) => {
      const { code, tests } = await runTests(env, [file]);
      const own = tests.filter((t) => !t.suite).map((t) => ({ ...t, file }));
      return { code, own };
    };
    if (reverse) {
      const startedAt = Date.now();
      let count = 0;
      for (const file of [...files].reverse()) {
        const { code, own } = await listed(file);
        const failed = own.filter((t) => !t.ok);
        for (const t of failed) failures.push(`reverse order: ${file}: ${t.name}${t.error ? `\n  ${t.error}` : ''}`);
        if (code !== 0 && failed.length === 0) failures.push(`reverse order: ${file}: runner exited ${code}`);
        count += own.length;
        leaves.push(...own);
      }
      log(`files in reverse order: ${count} tests, ${failures.length} failed (${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
    }
    if (alone) {
      if (!reverse) for (const file of files) leaves.push(...(await listed(file)).own);
      for (const test of leaves) {
        const { file } = test;
        const startedAt = Date.now();
        const { code, tests, stderr } = await runTests(env, [file], [`--test-name-pattern=^${escapeRegExp(test.name)}$`]);
        const ran = tests.filter((t) => !t.suite && t.name === test.name);
        const ok = code === 0 && ran.length > 0 && ran.every((t) => t.ok);
        const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
        log(`${ok ? 'ok  ' : 'FAIL'} alone ${file}: ${test.name} (${seconds} s)`);
        const errors = tests.filter((t) => !t.ok && t.error).map((t) => `  ${t.name}: ${t.error}`);
        if (!ok) failures.push(`alone: ${file}: ${test.name}${ran.length ? '' : ' (did not run)'}\n${[...errors, stderr.slice(-1_500)].join('\n')}`);
      }
    }
  } catch (err) {
    failures.push(`error: ${err.message}`);
  }
  await lifecycle.shutdown();
  for (const failure of failures) console.log(`✖ ${failure}`);
  console.log(failures.length ? `${failures.length} failure(s)` : 'every test passed in reverse file order and alone');
  process.exit(failures.length ? 1 : 0);
}

await main();
