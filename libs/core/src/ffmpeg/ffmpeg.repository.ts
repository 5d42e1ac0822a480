import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import ffmpeg from 'fluent-ffmpeg';
import { ProgressParser, type ProgressSnapshot } from './progress.parser';

/**
 * Put before a command's own arguments: a `key=value` progress block on
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
  /**
   * How many `-i` the command has (default 1): the chunker's stitch reads a
   * concat list and the audio. The argv must hold exactly that many.
   */
  inputs?: number;
}

/** fluent-ffmpeg keeps the child process here while it runs; its typings do not declare it. */
interface FluentInternals {
  ffmpegProc?: ChildProcess;
}

/**
 * The one class that runs ffmpeg, through fluent-ffmpeg (archived upstream,
 * so nothing else may import it: replacing it touches only this file).
 *
 * It takes a finished argv (from buildTranscodeCommand) and hands it to
 * fluent-ffmpeg unchanged: everything before `-i` as input options,
 * everything after it but the last element as output options, the last
 * element as the output. Passed as several arguments, fluent-ffmpeg does
 * not split options at spaces; it adds a `-y` of its own only before an
 * output it takes for a plain path, and the builder's outputs are `file:`
 * URLs. `start` checks the argv actually spawned and refuses to run anything
 * else, so a change in fluent-ffmpeg cannot slip an argument in. No shell is
 * ever involved.
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

  /** Spawns ffmpeg with PROGRESS_ARGS and `args`; resolves once it runs. */
  start(args: readonly string[], options: FfmpegRunOptions): Promise<FfmpegProcess> {
    const argv = [...PROGRESS_ARGS, ...args];
    const inputs = options.inputs ?? 1;
    const inputAts = argv.flatMap((arg, i) => (arg === '-i' ? [i] : []));
    const lastInputAt = inputAts[inputAts.length - 1] ?? -1;
    // At least one output option: fluent-ffmpeg reads an empty option list as the option "undefined".
    if (!Number.isInteger(inputs) || inputs < 1 || inputAts.length !== inputs || lastInputAt + 2 >= argv.length - 1) {
      return Promise.reject(new Error(`an ffmpeg command needs exactly ${inputs === 1 ? 'one' : inputs} -i, then output options and the output`));
    }
    const command = ffmpeg({ stdoutLines: STDERR_LINES });
    let optionsFrom = 0;
    for (const inputAt of inputAts) {
      command.input(argv[inputAt + 1]);
      const inputOptions = argv.slice(optionsFrom, inputAt);
      if (inputOptions.length > 0) command.inputOptions(...inputOptions);
      optionsFrom = inputAt + 2;
    }
    command.output(argv[argv.length - 1]).outputOptions(...argv.slice(lastInputAt + 2, -1));

    return new Promise<FfmpegProcess>((resolveStart, rejectStart) => {
      let child: ChildProcess | undefined;
      let settleExit!: (exit: FfmpegExit) => void;
      const exited = new Promise<FfmpegExit>((resolve) => (settleExit = resolve));
      // Both fire after the process exited (Node has set its exit code by then) and its pipes closed.
      const onExit = (stderr: string | null) => settleExit(exitOf(child, stderr ?? ''));
      command.on('end', (_stdout, stderr) => onExit(stderr));
      command.on('error', (err: Error, _stdout, stderr) => {
        if (child) onExit(stderr);
        else rejectStart(err);
      });

      command.on('start', () => {
        const proc = (command as unknown as FluentInternals).ffmpegProc;
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

      command.run();
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
