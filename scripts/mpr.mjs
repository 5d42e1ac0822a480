#!/usr/bin/env node
// Developer entry point, run before `npm install` can have happened, so it uses
// nothing but Node itself.
//   node scripts/mpr.mjs start         the whole platform on embedded NATS + PostgreSQL (.mpr/)
//   node scripts/mpr.mjs test [args]   dist/**/*.spec.js against throwaway NATS + PostgreSQL
//   node scripts/mpr.mjs rebuild-read-models   drop and replay the read models (beside a running start, or alone)
//   node scripts/mpr.mjs bench <name>  bench/<name>.ts against throwaway NATS + PostgreSQL
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearStalePostmaster, ensureDatabase, ensureSystemPackages, pickPort, preparePgDataDir, startNats, startPostgres } from './infra.mjs';
import { createLifecycle, exitOnSignals, killGroup, livePidFromFile, log, stopChild, stopLeftover, which } from './lib/proc.mjs';
import { findSpecFiles, startTestInfra, testRunnerArgs } from './lib/test-run.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MPR_DIR = path.join(ROOT, '.mpr');
const NPM = which('npm') ?? path.join(path.dirname(process.execPath), 'npm');

// ------------------------------------------------------------ shared steps

/**
 * Spawns a child in its own process group, so that Ctrl-C reaches only the
 * launcher, which then stops children in order (services before their broker)
 * with one SIGTERM, instead of a SIGINT from the terminal racing ours.
 * Resolves with the exit code (128+n when killed by signal n).
 */
function spawnOwned(lifecycle, name, cmd, args, { env = process.env, pidFile } = {}) {
  let child = null;
  const undefer = lifecycle.defer(name, () => child && stopChild(child, { name }));
  return new Promise((resolve, reject) => {
    child = spawn(cmd, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
    if (pidFile && child.pid) fs.writeFileSync(pidFile, `${child.pid}\n`);
    child.on('error', (err) => {
      undefer();
      reject(new Error(`could not run ${cmd}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      undefer();
      killGroup(child);
      if (pidFile) fs.rmSync(pidFile, { force: true });
      resolve(code ?? 128 + (os.constants.signals[signal] ?? 0));
    });
  });
}

async function npm(lifecycle, ...args) {
  const code = await spawnOwned(lifecycle, `npm ${args.join(' ')}`, NPM, args);
  if (code !== 0) throw new Error(`npm ${args.join(' ')} failed (exit ${code})`);
}

/** npm writes node_modules/.package-lock.json last, so it is older than the lock only when the lock changed since. */
async function ensureNodeModules(lifecycle) {
  const mtime = (file) => fs.statSync(path.join(ROOT, file), { throwIfNoEntry: false })?.mtimeMs;
  const installed = mtime('node_modules/.package-lock.json');
  if (installed !== undefined && installed >= (mtime('package-lock.json') ?? 0)) return;
  log('node_modules missing or older than package-lock.json: npm ci');
  await npm(lifecycle, 'ci');
}

async function build(lifecycle) {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  if (!pkg.scripts?.build) throw new Error('package.json has no "build" script');
  await npm(lifecycle, 'run', 'build');
}

/** Empty counts as unset, as in the services' own config loader. */
const isSet = (env, name) => Boolean(env[name]);

const redact = (url) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

// ------------------------------------------------------------------- start

const SERVICES_PID = path.join(MPR_DIR, 'services.pid');

/**
 * Refuses a second launcher on the same .mpr/; then whatever is still
 * recorded there was left by a launcher killed with -9, and gets stopped.
 */
async function claimMprDir(lifecycle) {
  fs.mkdirSync(MPR_DIR, { recursive: true });
  const lock = path.join(MPR_DIR, 'launcher.pid');
  const other = livePidFromFile(lock, 'mpr.mjs');
  if (other && other !== process.pid) throw new Error(`another launcher (pid ${other}) is running on ${MPR_DIR}; stop it first`);
  fs.writeFileSync(lock, `${process.pid}\n`);
  lifecycle.defer('launcher lock', () => fs.rmSync(lock, { force: true }));
  await stopLeftover(SERVICES_PID, 'services/all/main.js');
}

/** Leftovers of a launcher killed with -9 go before picking ports, so the preferred ones are free again. */
async function startDevNats(lifecycle, natsServer, env) {
  const pidFile = path.join(MPR_DIR, 'nats.pid');
  await stopLeftover(pidFile, 'nats-server');
  const nats = await startNats({
    bin: natsServer,
    port: await pickPort(14222),
    storeDir: path.join(MPR_DIR, 'nats'),
    logFile: path.join(MPR_DIR, 'nats.log'),
    pidFile,
    defer: lifecycle.defer,
  });
  env.NATS_URL = nats.url;
  return `log ${nats.logFile}`;
}

async function startDevPostgres(lifecycle, pgBin, env) {
  const dataDir = await preparePgDataDir(MPR_DIR, ROOT);
  await clearStalePostmaster(pgBin, dataDir);
  const pg = await startPostgres({
    pgBin,
    dataDir,
    port: await pickPort(15432),
    logFile: path.join(path.dirname(dataDir), 'pg.log'),
    defer: lifecycle.defer,
  });
  await ensureDatabase(pgBin, pg.port, 'mpr');
  env.DATABASE_URL = pg.url('mpr');
  return `log ${pg.logFile}`;
}

function ensureMediaDirs(env) {
  for (const [name, dir] of [
    ['MEDIA_IN', 'media/in'],
    ['MEDIA_OUT', 'media/out'],
  ]) {
    if (isSet(env, name)) continue;
    env[name] = path.join(ROOT, dir);
    fs.mkdirSync(env[name], { recursive: true });
  }
}

function printInfra(env, notes) {
  const subjects = `${(env.MPR_STREAM_PREFIX || 'MPR').toLowerCase()}.events.>`;
  const lines = [
    '',
    'MPR infrastructure',
    `  NATS        ${env.NATS_URL}  (${notes.nats})`,
    `              nats sub '${subjects}' --server ${env.NATS_URL}`,
    `              nats stream ls --server ${env.NATS_URL}`,
    `  PostgreSQL  ${redact(env.DATABASE_URL)}  (${notes.pg})`,
    `  Media       in ${env.MEDIA_IN}  out ${env.MEDIA_OUT}`,
    '',
  ];
  console.log(lines.join('\n'));
}

const URLS_FILE = path.join(MPR_DIR, 'urls.json');

/**
 * Everything `start` needs before the services: packages, node_modules, the
 * build, embedded NATS and PostgreSQL (unless NATS_URL / DATABASE_URL are
 * set), media folders. Returns the services' environment.
 */
async function preparePlatform(lifecycle) {
  const env = { ...process.env };
  const notes = { nats: 'from NATS_URL', pg: 'from DATABASE_URL' };
  const features = ['ffmpeg', ...(isSet(env, 'NATS_URL') ? [] : ['nats']), ...(isSet(env, 'DATABASE_URL') ? [] : ['postgres'])];
  const tools = await ensureSystemPackages(features);
  await ensureNodeModules(lifecycle);
  await claimMprDir(lifecycle);

  // Infra boots while tsc runs; a failure in either stops both (lifecycle).
  await Promise.all([
    build(lifecycle),
    !isSet(env, 'NATS_URL') && startDevNats(lifecycle, tools.natsServer, env).then((note) => (notes.nats = note)),
    !isSet(env, 'DATABASE_URL') && startDevPostgres(lifecycle, tools.pgBin, env).then((note) => (notes.pg = note)),
  ]);
  ensureMediaDirs(env);
  // Lets a command run beside a running platform find its servers.
  fs.writeFileSync(URLS_FILE, JSON.stringify({ NATS_URL: env.NATS_URL, DATABASE_URL: env.DATABASE_URL }));
  lifecycle.defer('urls file', () => fs.rmSync(URLS_FILE, { force: true }));
  return { env, notes };
}

function distEntry(...parts) {
  const entry = path.join(ROOT, 'dist', ...parts);
  if (!fs.existsSync(entry)) throw new Error(`${path.relative(ROOT, entry)} not found after the build`);
  return entry;
}

async function start(lifecycle) {
  const { env, notes } = await preparePlatform(lifecycle);
  const entry = distEntry('services', 'all', 'main.js');
  printInfra(env, notes);
  return spawnOwned(lifecycle, 'services', process.execPath, ['--enable-source-maps', entry], { env, pidFile: SERVICES_PID });
}

/**
 * Drops and rebuilds the read models from the event log: against the
 * servers of a running `npm start`, or else against the embedded ones,
 * started for the occasion.
 */
async function rebuildReadModels(lifecycle) {
  const running = livePidFromFile(path.join(MPR_DIR, 'launcher.pid'), 'mpr.mjs');
  let env;
  if (running && fs.existsSync(URLS_FILE) && !isSet(process.env, 'NATS_URL') && !isSet(process.env, 'DATABASE_URL')) {
    // The running services use dist/: rebuilding it under them is not ours to do.
    env = { ...process.env, ...JSON.parse(fs.readFileSync(URLS_FILE, 'utf8')) };
  } else {
    ({ env } = await preparePlatform(lifecycle));
  }
  const entry = distEntry('services', 'api', 'src', 'rebuild-read-models.js');
  return spawnOwned(lifecycle, 'rebuild', process.execPath, ['--enable-source-maps', entry], { env });
}

// -------------------------------------------------------------------- test

/** Extra args: words filter test files by path; --flags go to `node --test` (e.g. --test-name-pattern=x). */
async function test(lifecycle, args) {
  const startedAt = Date.now();
  // Registered first, so it runs last, after teardown, on every path.
  lifecycle.defer('timer', () => log(`total ${((Date.now() - startedAt) / 1000).toFixed(1)} s`));
  const filters = args.filter((arg) => !arg.startsWith('-'));
  const nodeFlags = args.filter((arg) => arg.startsWith('-'));

  const env = { ...process.env };
  const features = ['ffmpeg', 'chromium', ...(isSet(env, 'MPR_TEST_NATS_URL') ? [] : ['nats']), ...(isSet(env, 'MPR_TEST_DATABASE_URL') ? [] : ['postgres'])];
  const tools = await ensureSystemPackages(features);
  await ensureNodeModules(lifecycle);
  // The whole suite starts with the linter and the formatter's check; a run of chosen files is a quick loop and skips them.
  if (filters.length === 0) await npm(lifecycle, 'run', 'lint');
  await Promise.all([build(lifecycle), startTestInfra(lifecycle, tools, env)]);

  const files = findSpecFiles(ROOT, filters);
  log(`${files.length} test file(s); NATS ${env.MPR_TEST_NATS_URL}, PostgreSQL ${redact(env.MPR_TEST_DATABASE_URL)}`);
  const runnerArgs = testRunnerArgs(ROOT, nodeFlags, files);
  return spawnOwned(lifecycle, 'test runner', process.execPath, runnerArgs, { env });
}

// ------------------------------------------------------------------- bench

/**
 * `npm run bench -- <name>`: dist/bench/<name>.js against a private
 * nats-server and PostgreSQL, like the tests. Benchmarks print figures; they
 * never fail on a timing.
 */
async function bench(lifecycle, args) {
  const [name, ...rest] = args;
  const available = fs.existsSync(path.join(ROOT, 'bench'))
    ? fs
        .readdirSync(path.join(ROOT, 'bench'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => f.replace(/\.ts$/, ''))
    : [];
  if (!name || !available.includes(name)) throw new Error(`usage: npm run bench -- <${available.join('|')}>`);
  const env = { ...process.env };
  const tools = await ensureSystemPackages([
    'ffmpeg',
    ...(isSet(env, 'MPR_TEST_NATS_URL') ? [] : ['nats']),
    ...(isSet(env, 'MPR_TEST_DATABASE_URL') ? [] : ['postgres']),
  ]);
  await ensureNodeModules(lifecycle);
  await Promise.all([build(lifecycle), startTestInfra(lifecycle, tools, env)]);
  return spawnOwned(lifecycle, `bench ${name}`, process.execPath, ['--enable-source-maps', distEntry('bench', `${name}.js`), ...rest], { env });
}

// -------------------------------------------------------------------- main

const COMMANDS = { start, test, bench, 'rebuild-read-models': rebuildReadModels };

async function main() {
  const [name, ...args] = process.argv.slice(2);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : null;
  if (!command) {
    console.error('usage: node scripts/mpr.mjs start | test [path filter...] [--node-test-flag...] | bench <name> | rebuild-read-models');
    process.exit(2);
  }
  const lifecycle = createLifecycle();
  exitOnSignals(lifecycle);
  let code;
  try {
    code = await command(lifecycle, args);
  } catch (err) {
    // Once a signal started the teardown, failures are its echoes, not news.
    if (!lifecycle.stopping) log(`error: ${err.message}`);
    code = 1;
  }
  await lifecycle.shutdown();
  process.exit(code);
}

await main();
