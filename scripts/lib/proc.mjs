// Process helpers shared by the launcher: running commands without a shell,
// recognising leftover processes, and tearing everything down exactly once.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export const IS_ROOT = process.getuid?.() === 0;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function log(message) {
  console.error(`[mpr] ${message}`);
}

/** Full path of an executable on PATH (or in extraDirs), or null. */
export function which(name, extraDirs = []) {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = `${dir}/${name}`;
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

export function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * initdb and pg_ctl refuse to run as root, so root runs them as `postgres`.
 * cwd '/' because the PostgreSQL tools complain when that user cannot enter
 * the caller's directory (a repo under /root).
 */
export function asPostgres(cmd, args) {
  if (!IS_ROOT) return { cmd, args, cwd: undefined };
  return { cmd: 'runuser', args: ['-u', 'postgres', '--', cmd, ...args], cwd: '/' };
}

/**
 * Runs a command to completion and never rejects for a non-zero exit: callers
 * decide what a failure means. capture=true collects output instead of
 * showing it. detached=true keeps the terminal's Ctrl-C away from it, for
 * steps that must not be interrupted half-way (pg_ctl start).
 */
export function run(cmd, args, { capture = false, detached = false, env, cwd } = {}) {
  return new Promise((resolve) => {
    const stdio = capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'];
    const child = spawn(cmd, args, { stdio, detached, env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    child.on('error', (err) => resolve({ code: 127, signal: null, stdout, stderr: stderr + err.message }));
    child.on('close', (code, signal) => resolve({ code: code ?? 128, signal, stdout, stderr }));
  });
}

export async function runOrThrow(cmd, args, options = {}) {
  const result = await run(cmd, args, options);
  if (result.code !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim();
    throw new Error(`${[cmd, ...args].join(' ')} failed (exit ${result.code})${output ? `:\n${output}` : ''}`);
  }
  return result;
}

/** EPERM means the process exists but belongs to someone else. */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Reads a pid file; returns the pid only if that process is alive and runs `name`. */
export function livePidFromFile(pidFile, name) {
  let pid;
  try {
    pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').split('\n')[0], 10);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  // After a reboot the pid may belong to an unrelated process.
  return processCommandLine(pid).includes(name) ? pid : null;
}

/** Stops a process recorded in pidFile by an earlier run, if it is still there. */
export async function stopLeftover(pidFile, name) {
  const pid = livePidFromFile(pidFile, name);
  if (!pid) return;
  log(`stopping ${name} left over from an earlier run (pid ${pid})`);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && livePidFromFile(pidFile, name); i++) await sleep(100);
  if (livePidFromFile(pidFile, name)) process.kill(pid, 'SIGKILL');
}

function processCommandLine(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export function hasExited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true when the child exits within ms, false otherwise. */
export function waitForExit(child, ms) {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Signals a detached child (only the child: a service may want to wind down
 * its own ffmpeg runs), kills it if it has not exited in time, then kills
 * whatever is left in its process group.
 */
export async function stopChild(child, { signal = 'SIGTERM', graceMs = 10_000, name = 'process' } = {}) {
  if (!hasExited(child)) {
    child.kill(signal);
    if (!(await waitForExit(child, graceMs))) log(`${name} did not exit within ${graceMs / 1000} s; killing it`);
  }
  killGroup(child);
  await waitForExit(child, 5_000);
}

/** SIGKILLs the process group a detached child leads: stray grandchildren die with it. */
export function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Group already empty.
  }
}

/** Last lines of a log file, for error messages (test logs vanish with their temp dir). */
export function tail(file, lines = 15) {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd();
    if (!text) return '';
    return `\n--- last lines of ${file} ---\n${text.split('\n').slice(-lines).join('\n')}`;
  } catch {
    return '';
  }
}

/**
 * Teardown registry. Steps register their undo *before* starting something,
 * so a signal or failure at any point stops whatever may already be running.
 * Undo runs in reverse order, once.
 */
export function createLifecycle() {
  const undo = [];
  let stopping = null;
  return {
    get stopping() {
      return stopping !== null;
    },
    /** Registers fn to run at shutdown; returns a function that unregisters it. */
    defer(name, fn) {
      if (stopping) throw new Error(`shutting down; not starting ${name}`);
      const entry = { name, fn };
      undo.push(entry);
      return () => {
        const index = undo.indexOf(entry);
        if (index >= 0) undo.splice(index, 1);
      };
    },
    shutdown() {
      stopping ??= (async () => {
        while (undo.length) {
          const { name, fn } = undo.pop();
          try {
            await fn();
          } catch (err) {
            log(`stopping ${name} failed: ${err.message}`);
          }
        }
      })();
      return stopping;
    },
  };
}

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * On the first signal: tear down, then exit 128+n. Later signals (npm forwards
 * Ctrl-C to us as well as the terminal sending it) only get a note.
 */
export function exitOnSignals(lifecycle) {
  for (const signal of Object.keys(SIGNAL_NUMBERS)) {
    process.on(signal, () => {
      if (lifecycle.stopping) {
        log(`${signal}: already stopping`);
        return;
      }
      log(`${signal}: stopping`);
      lifecycle.shutdown().then(() => process.exit(128 + SIGNAL_NUMBERS[signal]));
    });
  }
}
