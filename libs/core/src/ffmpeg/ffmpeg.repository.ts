import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import ffmpeg from 'fluent-ffmpeg';
import { type FfmpegCommand, ffmpegArgv } from './ffmpeg-command';
import { ProgressParser, type ProgressSnapshot } from './progress.parser';

/**
 * Global options put before a command's own: a `key=value` progress block on
 * stdout every 0.4 s (ProgressParser reads it), no statistics on stderr, so
 * stderr holds only what ffmpeg says about problems.
 */
export const PROGRESS_ARGS: readonly string[] = ['-progress', 'pipe:1', '-nostats', '-stats_period', '0.4'];

/** How long a SIGTERM'd ffmpeg may take to finish before SIGKILL: SVT-AV1 can ignore SIGTERM. */
export const FFMPEG_KILL_GRACE_MS = 500;

/** stderr lines kept for the error summary; the reason ffmpeg fails is in its last lines. */
const STDERR_LINES = 200;

export interface FfmpegExit {
  /** The exit code, or null when a signal killed ffmpeg. */
  readonly code: number | null;
  /**
   * The signal that ended ffmpeg: one that killed it, or one it caught and
   * stopped for (it then exits with 255 and "received signal N", e.g. the
   * SIGINT of a Ctrl-C in the terminal it shares with us).
   */
  readonly signal: NodeJS.Signals | null;
  /** The last lines ffmpeg wrote to stderr. */
  readonly stderr: string;
}

export interface FfmpegProcess {
  readonly pid: number;
  /** Settles once ffmpeg has exited and closed its output; never rejects. */
  readonly exited: Promise<FfmpegExit>;
  /** SIGTERM, then SIGKILL after `graceMs` if ffmpeg is still there; resolves once it is gone. */
  stop(graceMs?: number): Promise<FfmpegExit>;
}

export interface FfmpegRunOptions {
  /** Each progress block ffmpeg reports. */
  onProgress(snapshot: ProgressSnapshot): void;
}

/** fluent-ffmpeg keeps the child process here while it runs; its typings do not declare it. */
interface FluentInternals {
  ffmpegProc?: ChildProcess;
}

/**
 * The one class that runs ffmpeg, through fluent-ffmpeg (archived upstream,
 * so nothing else may import it: replacing it touches only this file).
 *
 * It takes a built FfmpegCommand and hands its parts to fluent-ffmpeg's
 * input()/inputOptions() and output()/outputOptions(). fluent-ffmpeg has no
 * call that writes options before the inputs (its global options go after
 * them), so the global options lead the first input's. Passed as several
 * arguments, fluent-ffmpeg does not split options at spaces; it adds a `-y`
 * of its own only before an output it takes for a plain path, and the
 * builders' outputs are `file:` URLs. `start` checks that the argv actually
 * spawned is ffmpegArgv of the command and refuses to run anything else, so
 * a change in fluent-ffmpeg cannot slip an argument in. No shell is ever
 * involved.
 *
 * Never listen to fluent-ffmpeg's own `progress` event: it would start an
 * ffprobe on the input without our input restrictions.
 */
export class FfmpegRepository {
  constructor() {
    // fluent-ffmpeg spawns with this process's environment and takes no env
    // option. SVT-AV1 logs to stderr past ffmpeg's -v unless SVT_LOG says
    // otherwise (1: errors only); nothing else reads the variable.
    process.env.SVT_LOG ??= '1';
  }

  /**
   * Finds the binary and caches what fluent-ffmpeg checks before every run
   * (`ffmpeg -formats`, `-encoders`), so the first job starts without that
   * delay. Fails when ffmpeg is missing.
   */
  async warmUp(): Promise<void> {
    await new Promise<void>((resolve, reject) => ffmpeg.getAvailableFormats((err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => ffmpeg.getAvailableEncoders((err) => (err ? reject(err) : resolve())));
  }

  /** Spawns ffmpeg for `command`, PROGRESS_ARGS first; resolves once it runs. */
  start(command: FfmpegCommand, options: FfmpegRunOptions): Promise<FfmpegProcess> {
    const { inputs, outputs } = command;
    if (inputs.length === 0 || outputs.length === 0) return Promise.reject(new Error('an ffmpeg command needs at least one input and one output'));
    const global = [...PROGRESS_ARGS, ...command.global];
    const argv = [...PROGRESS_ARGS, ...ffmpegArgv(command)];
    const fluent = ffmpeg({ stdoutLines: STDERR_LINES });
    inputs.forEach((input, i) => {
      fluent.input(input.url);
      const inputOptions = i === 0 ? [...global, ...input.options] : input.options;
      if (inputOptions.length > 0) fluent.inputOptions(...inputOptions);
    });
    // Never an empty option list: fluent-ffmpeg reads one as the option "undefined"; `-f` is always there.
    for (const output of outputs) fluent.output(output.url).outputOptions(...output.options, '-f', output.format);

    return new Promise<FfmpegProcess>((resolveStart, rejectStart) => {
      let child: ChildProcess | undefined;
      let settleExit!: (exit: FfmpegExit) => void;
      const exited = new Promise<FfmpegExit>((resolve) => (settleExit = resolve));
      // Both fire after the process exited (Node has set its exit code by then) and its pipes closed.
      const onExit = (stderr: string | null) => settleExit(exitOf(child, stderr ?? ''));
      fluent.on('end', (_stdout, stderr) => onExit(stderr));
      fluent.on('error', (err: Error, _stdout, stderr) => {
        if (child) onExit(stderr);
        else rejectStart(err);
      });

      fluent.on('start', () => {
        const proc = (fluent as unknown as FluentInternals).ffmpegProc;
        child = proc;
        if (!proc?.pid || !proc.stdout) {
          rejectStart(new Error('fluent-ffmpeg started no process'));
          return;
        }
        if (!isDeepStrictEqual(proc.spawnargs.slice(1), argv)) {
          proc.kill('SIGKILL');
          rejectStart(new Error(`fluent-ffmpeg changed the arguments: ${JSON.stringify(proc.spawnargs.slice(1))}`));
          return;
        }
        const parser = new ProgressParser();
        proc.stdout.setEncoding('utf8');
        proc.stdout.on('data', (chunk: string) => {
          for (const snapshot of parser.push(chunk)) options.onProgress(snapshot);
        });
        resolveStart({ pid: proc.pid, exited, stop: (graceMs = FFMPEG_KILL_GRACE_MS) => stopProcess(proc, exited, graceMs) });
      });

      fluent.run();
    });
  }
}

/** ffmpeg's echo of our own -stats_period: not something to show a user as the reason of a failure. */
const STATS_PERIOD_ECHO = /^ffmpeg stats and -progress period set to .*\n?/m;

function exitOf(child: ChildProcess | undefined, rawStderr: string): FfmpegExit {
  const stderr = rawStderr.replace(STATS_PERIOD_ECHO, '');
  const caught = /Exiting normally, received signal (\d+)\./.exec(stderr);
  const caughtSignal = caught ? signalName(Number(caught[1])) : null;
  return { code: child?.exitCode ?? null, signal: child?.signalCode ?? caughtSignal, stderr };
}

function signalName(signo: number): NodeJS.Signals | null {
  const entry = Object.entries(osConstants.signals).find(([, value]) => value === signo);
  return entry ? (entry[0] as NodeJS.Signals) : null;
}

async function stopProcess(child: ChildProcess, exited: Promise<FfmpegExit>, graceMs: number): Promise<FfmpegExit> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const escalate = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(escalate);
  }
}
