// Infrastructure shared by `mpr start` and `mpr test`: system packages, free
// ports, and nats-server / PostgreSQL processes that the launcher owns.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { IS_ROOT, asPostgres, hasExited, isExecutable, livePidFromFile, log, run, runOrThrow, sleep, stopChild, tail, which } from './lib/proc.mjs';

// ---------------------------------------------------------------- packages

const PG_ROOT = '/usr/lib/postgresql';

/** Highest /usr/lib/postgresql/<ver>/bin that has the server binaries (not on PATH on Debian). */
function findPgBin() {
  let versions;
  try {
    versions = fs.readdirSync(PG_ROOT).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    return null;
  }
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const version of versions) {
    const bin = path.join(PG_ROOT, version, 'bin');
    if (['initdb', 'pg_ctl', 'postgres', 'psql'].every((tool) => isExecutable(path.join(bin, tool)))) return bin;
  }
  return null;
}

/** The paths object, or null when any binary in it is missing. */
const allFound = (paths) => (Object.values(paths).every(Boolean) ? paths : null);

/** What each feature needs: a Debian package and how to find its binaries once installed. */
const REQUIREMENTS = {
  ffmpeg: { pkg: 'ffmpeg', find: () => allFound({ ffmpeg: which('ffmpeg'), ffprobe: which('ffprobe') }) },
  // /usr/sbin is not on a normal user's PATH.
  nats: { pkg: 'nats-server', find: () => allFound({ natsServer: which('nats-server', ['/usr/sbin', '/usr/local/sbin']) }) },
  postgres: { pkg: 'postgresql', find: () => allFound({ pgBin: findPgBin() }) },
  chromium: { pkg: 'chromium', find: () => allFound({ chromium: which('chromium', ['/usr/bin']) }) },
};

let aptUpdated = false;

async function aptInstall(pkgs) {
  const manual = `apt-get install ${pkgs.join(' ')}`;
  if (!which('apt-get')) throw new Error(`missing system packages and no apt-get here; install them yourself: ${manual}`);
  let prefix = [];
  if (!IS_ROOT) {
    if (!which('sudo')) throw new Error(`missing system packages; run as root or install sudo, or run: ${manual}`);
    prefix = ['sudo'];
  }
  // `env` carries DEBIAN_FRONTEND through sudo, which drops the environment.
  // The lock timeout waits for another apt run instead of failing at once.
  const apt = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-o', 'DPkg::Lock::Timeout=300'];
  const [cmd, ...base] = [...prefix, ...apt];
  if (!aptUpdated) {
    log('apt-get update');
    await runOrThrow(cmd, [...base, 'update']);
    aptUpdated = true;
  }
  log(`installing ${pkgs.join(' ')}`);
  await runOrThrow(cmd, [...base, 'install', '-y', '--no-install-recommends', ...pkgs]);
}

/**
 * Makes sure the binaries behind `features` (keys of REQUIREMENTS) exist,
 * installing the missing Debian packages in one apt run. Returns their paths:
 * { ffmpeg, ffprobe, natsServer, pgBin, chromium }.
 */
export async function ensureSystemPackages(features = ['ffmpeg', 'nats', 'postgres']) {
  const missing = features.filter((feature) => !REQUIREMENTS[feature].find());
  if (missing.length) await aptInstall(missing.map((feature) => REQUIREMENTS[feature].pkg));
  const found = {};
  for (const feature of features) {
    const paths = REQUIREMENTS[feature].find();
    if (!paths) throw new Error(`${REQUIREMENTS[feature].pkg} is installed but its binaries were not found`);
    Object.assign(found, paths);
  }
  return found;
}

// ------------------------------------------------------------------- ports

/** A port the OS considers free right now (bind to 0, read, close). */
export function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function isPortFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The preferred port if nobody holds it, so URLs stay stable between runs. */
export async function pickPort(preferred) {
  return (await isPortFree(preferred)) ? preferred : findFreePort();
}

function canConnect(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Polls until the port accepts TCP connections. Resolves null when it does,
 * else why not: the reason `failure()` gave (checked each round, e.g. "the
 * process exited") or the timeout.
 */
export async function waitForPort(port, { timeoutMs, failure = () => null }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reason = failure();
    if (reason) return reason;
    if (await canConnect(port)) return null;
    await sleep(100);
  }
  return `did not accept connections on port ${port} within ${timeoutMs / 1000} s`;
}

// -------------------------------------------------------------------- NATS

/**
 * Starts a JetStream-enabled nats-server on 127.0.0.1:port. The process is
 * detached so a terminal Ctrl-C reaches only the launcher, which stops
 * services before their message broker. `defer` registers the stop.
 */
export async function startNats({ bin, port, storeDir, logFile, pidFile, defer, stopSignal = 'SIGTERM' }) {
  fs.mkdirSync(storeDir, { recursive: true });
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir, '-l', logFile];
  if (pidFile) args.push('-P', pidFile);

  let child = null;
  const stop = async () => child && stopChild(child, { signal: stopSignal, graceMs: 10_000, name: 'nats-server' });
  defer('nats-server', stop);
  child = spawn(bin, args, { detached: true, stdio: 'ignore' });
  let spawnError = null;
  child.on('error', (err) => (spawnError = err));

  const problem = await waitForPort(port, {
    timeoutMs: 15_000,
    failure: () => {
      if (spawnError) return `could not be run (${spawnError.message})`;
      if (hasExited(child)) return `exited during startup (${child.exitCode ?? child.signalCode})`;
      return null;
    },
  });
  if (problem) throw new Error(`nats-server ${problem}; see ${logFile}${tail(logFile)}`);
  return { url: `nats://127.0.0.1:${port}`, port, logFile, stop };
}

// -------------------------------------------------------------- PostgreSQL

function postgresCanTraverse(dir) {
  return run('runuser', ['-u', 'postgres', '--', 'test', '-x', dir], { capture: true, cwd: '/' }).then((r) => r.code === 0);
}

async function chownToPostgres(target) {
  if (IS_ROOT) await runOrThrow('chown', ['-R', 'postgres:postgres', target], { capture: true });
}

/**
 * Where the dev cluster lives: <mprDir>/pg, or, when root runs the launcher
 * from a directory the postgres user cannot reach (a repo under /root),
 * /var/lib/mpr/<hash of repo>/pg with <mprDir>/pg as a symlink to it.
 * Returns the real data dir, owned by whoever runs PostgreSQL.
 */
export async function preparePgDataDir(mprDir, repoRoot) {
  const link = path.join(mprDir, 'pg');
  const stat = fs.lstatSync(link, { throwIfNoEntry: false });
  let dataDir = link;
  if (stat?.isSymbolicLink()) {
    dataDir = path.resolve(mprDir, fs.readlinkSync(link));
  } else if (IS_ROOT && !(await postgresCanTraverse(mprDir))) {
    if (stat) throw new Error(`${link} exists but the postgres user cannot reach it; move it away or make its parent directories searchable (chmod o+x)`);
    const hash = crypto.createHash('sha1').update(repoRoot).digest('hex').slice(0, 12);
    dataDir = path.join('/var/lib/mpr', hash, 'pg');
    // recursive mkdir gives every new level the same mode; these must stay searchable.
    fs.mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
    fs.symlinkSync(dataDir, link);
    log(`${mprDir} is not reachable by the postgres user; keeping the cluster in ${dataDir}`);
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Outside the repo the parent holds pg.log too, so postgres must own it as well.
  await chownToPostgres(dataDir === link ? dataDir : path.dirname(dataDir));
  return dataDir;
}

async function initCluster(pgBin, dataDir, extraFlags) {
  // A dir without PG_VERSION is a half-finished initdb at most; initdb needs it empty.
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  await chownToPostgres(dataDir);
  log(`initializing PostgreSQL cluster in ${dataDir}`);
  const base = ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', ...extraFlags];
  let result;
  for (const locale of ['C.UTF-8', 'C']) {
    const { cmd, args, cwd } = asPostgres(path.join(pgBin, 'initdb'), [...base, `--locale=${locale}`]);
    result = await run(cmd, args, { capture: true, cwd });
    if (result.code === 0) return;
  }
  throw new Error(`initdb failed:\n${`${result.stdout}${result.stderr}`.trim()}`);
}

function pgCtl(pgBin, args, options = {}) {
  const { cmd, args: fullArgs, cwd } = asPostgres(path.join(pgBin, 'pg_ctl'), args);
  return run(cmd, fullArgs, { capture: true, cwd, ...options });
}

/** A postmaster.pid whose process is gone blocks pg_ctl start; a live one is a server we leaked. */
export async function clearStalePostmaster(pgBin, dataDir) {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = livePidFromFile(pidFile, 'postgres');
  if (pid) {
    log(`stopping PostgreSQL left over from an earlier run (pid ${pid})`);
    await pgCtl(pgBin, ['-D', dataDir, '-m', 'fast', '-t', '30', 'stop']);
  }
  fs.rmSync(pidFile, { force: true });
}

/**
 * The -o string goes through pg_ctl's /bin/sh, so only plain paths go in it;
 * the socket path must also fit in 107 bytes. Clients here use TCP anyway.
 */
function socketDirFor(dataDir) {
  return /^[\w./-]+$/.test(dataDir) && dataDir.length < 80 ? dataDir : '/tmp';
}

/**
 * Starts (after initdb if needed) a cluster on 127.0.0.1:port with trust auth
 * for user postgres. `defer` registers the stop before pg_ctl start runs, and
 * the stop waits for a start still in progress so it never races it.
 */
export async function startPostgres({ pgBin, dataDir, port, logFile, defer, stopMode = 'fast', initFlags = [], settings = [] }) {
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await initCluster(pgBin, dataDir, initFlags);
  await clearStalePostmaster(pgBin, dataDir);
  if (IS_ROOT) {
    fs.closeSync(fs.openSync(logFile, 'a'));
    await runOrThrow('chown', ['postgres:postgres', logFile]);
  }

  const options = [
    '-p',
    port,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${socketDirFor(dataDir)}`,
    ...settings.flatMap((s) => ['-c', s]),
  ];
  const timeoutS = 30;
  let starting = null;
  const stop = async () => {
    if (!starting) return;
    await starting;
    await pgCtl(pgBin, ['-D', dataDir, '-m', stopMode, '-t', '30', 'stop']);
  };
  defer('PostgreSQL', stop);
  starting = pgCtl(pgBin, ['-D', dataDir, '-l', logFile, '-w', '-t', String(timeoutS), '-o', options.join(' '), 'start'], { detached: true });

  const result = await starting;
  if (result.code !== 0) {
    const output = `${result.stdout}${result.stderr}`;
    const reason = /did not start in time/.test(output)
      ? `PostgreSQL did not start within ${timeoutS} s`
      : `PostgreSQL failed to start (pg_ctl: ${output.trim().split('\n').pop()})`;
    throw new Error(`${reason}; see ${logFile}${tail(logFile)}`);
  }
  return { port, dataDir, logFile, url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`, stop };
}

/** CREATE DATABASE has no IF NOT EXISTS, hence the lookup first. */
export async function ensureDatabase(pgBin, port, name) {
  const psql = (sql) =>
    runOrThrow(path.join(pgBin, 'psql'), ['-X', '-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-tAc', sql], {
      capture: true,
    });
  const { stdout } = await psql(`SELECT 1 FROM pg_database WHERE datname = '${name}'`);
  if (stdout.trim() === '1') return;
  log(`creating database ${name}`);
  await psql(`CREATE DATABASE "${name}"`);
}

/** A scratch dir that the postgres user (when root runs us) can write to. */
export async function makeTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (IS_ROOT) {
    await chownToPostgres(dir);
    if (!(await postgresCanTraverse(dir))) throw new Error(`the postgres user cannot reach ${dir}; point TMPDIR at a directory it can traverse`);
  }
  return dir;
}
