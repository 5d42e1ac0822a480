// The test command's parts, shared by `mpr.mjs test` and `test-isolation.mjs`.
import fs from 'node:fs';
import path from 'node:path';
import { findFreePort, makeTempDir, startNats, startPostgres } from '../infra.mjs';

/** Private nats-server and PostgreSQL for a test run (unless MPR_TEST_NATS_URL / MPR_TEST_DATABASE_URL are set); their URLs go into `env`. */
export async function startTestInfra(lifecycle, tools, env) {
  const needNats = !env.MPR_TEST_NATS_URL;
  const needPg = !env.MPR_TEST_DATABASE_URL;
  if (!needNats && !needPg) return;
  const dir = await makeTempDir('mpr-test-');
  lifecycle.defer('test temp dir', () => fs.rmSync(dir, { recursive: true, force: true }));

  const startTestNats = async () => {
    const nats = await startNats({
      bin: tools.natsServer,
      port: await findFreePort(),
      storeDir: path.join(dir, 'nats'),
      logFile: path.join(dir, 'nats.log'),
      defer: lifecycle.defer,
      stopSignal: 'SIGKILL', // its state dies with the temp dir anyway
    });
    env.MPR_TEST_NATS_URL = nats.url;
  };
  const startTestPostgres = async () => {
    const pg = await startPostgres({
      pgBin: tools.pgBin,
      dataDir: path.join(dir, 'pg'),
      port: await findFreePort(),
      logFile: path.join(dir, 'pg.log'),
      defer: lifecycle.defer,
      stopMode: 'immediate',
      // Durability is pointless for a cluster deleted after the run.
      initFlags: ['--no-sync'],
      settings: ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'],
    });
    env.MPR_TEST_DATABASE_URL = pg.url('postgres');
  };
  await Promise.all([needNats && startTestNats(), needPg && startTestPostgres()]);
}

/** A whole spec file; the slowest (the chunker e2e) takes ~3 min alone, longer beside three other engineers' runs. */
const FILE_TIMEOUT_MS = 20 * 60_000;

/** Sorted *.spec.js files under dist/ (relative to the repo), keeping those whose path contains any filter. */
export function findSpecFiles(root, filters) {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(full);
      else if (entry.isFile() && entry.name.endsWith('.spec.js')) files.push(path.relative(root, full));
    }
  };
  const dist = path.join(root, 'dist');
  if (fs.existsSync(dist)) walk(dist);
  files.sort();
  const selected = filters.length ? files.filter((file) => filters.some((filter) => file.includes(filter))) : files;
  if (!selected.length) {
    throw new Error(filters.length ? `no dist/**/*.spec.js path contains ${filters.join(' or ')}` : 'no *.spec.js files under dist/');
  }
  return selected;
}

/**
 * `node --test` arguments for spec files. Node 20's --test-timeout bounds each
 * file as a whole; the preload gives every test and hook its own bound.
 */
export function testRunnerArgs(root, nodeFlags, files) {
  return [
    '--test',
    '--test-concurrency=2',
    `--test-timeout=${FILE_TIMEOUT_MS}`,
    '--require',
    path.join(root, 'dist', 'libs', 'core', 'src', 'testing', 'test-timeouts.js'),
    '--enable-source-maps',
    `--test-reporter=${path.join(root, 'scripts', 'lib', 'located-spec-reporter.mjs')}`,
    ...nodeFlags,
    ...files,
  ];
}
