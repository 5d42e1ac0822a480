import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** The compiled tree (dist/), from dist/libs/core/src/testing. */
const DIST = join(__dirname, '..', '..', '..', '..');

/**
 * One service as its own process (`node dist/services/<name>/main.js`), as
 * the replicas specs and benchmarks run them: JSON log lines collected,
 * ready once it logged its health URL, optionally pinned to CPUs (taskset).
 */
export class ServiceProcess {
  readonly child: ChildProcess;
  /** Resolves with the service's base URL once it is up; rejects if it exits first. */
  readonly ready: Promise<string>;
  readonly logs: Array<{ level: string; message: string }> = [];
  /** Base URL of each service this process announced (`<name> health <url>/healthz`). */
  readonly urls = new Map<string, string>();
  private output = '';

  constructor(
    readonly name: string,
    env: Record<string, string>,
    options: { cpus?: string; nodeArgs?: string[] } = {},
  ) {
    // `nodeArgs`: flags NODE_OPTIONS refuses, such as a benchmark's --cpu-prof.
    const argv = [process.execPath, '--enable-source-maps', ...(options.nodeArgs ?? []), join(DIST, 'services', name, 'main.js')];
    const [command, ...args] = options.cpus ? ['taskset', '-c', options.cpus, ...argv] : argv;
    this.child = spawn(command, args, { env: { ...process.env, ...env, MPR_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let announce: (url: string) => void = () => undefined;
    const onData = (chunk: Buffer) => {
      this.output += chunk.toString();
      const lines = this.output.split('\n');
      this.output = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as { level: string; message: unknown };
          this.logs.push({ level: entry.level, message: String(entry.message) });
        } catch {
          this.logs.push({ level: 'raw', message: line });
        }
        const health = /(\w+)\s+health (https?:\/\/\S+)\/healthz/.exec(line);
        if (health) {
          this.urls.set(health[1], health[2]);
          announce(health[2]);
        }
      }
      // A chatty service must not grow the log without bound.
      if (this.logs.length > 20_000) this.logs.splice(0, 10_000);
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.ready = new Promise<string>((resolve, reject) => {
      announce = resolve;
      this.child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready:\n${this.logText().slice(-2_000)}`)));
    });
    // The exit listener above must not turn a later exit into an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  logText(): string {
    return this.logs.map((l) => `${l.level}: ${l.message}`).join('\n');
  }

  /** ffmpeg pids this process logged for a job. */
  ffmpegPids(jobId: string): number[] {
    return this.logs.flatMap((l) => (l.message.includes(jobId) ? [...l.message.matchAll(/ffmpeg pid (\d+) started/g)].map((m) => Number(m[1])) : []));
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.exited) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }

  /** SIGTERM (graceful shutdown), SIGKILL if it takes longer than 10 s. */
  async stop(): Promise<void> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    try {
      await this.kill('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }
}
