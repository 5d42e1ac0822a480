import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './media-fixtures';
import { accepts, freePort } from './ports';
import { waitFor } from './wait-for';

/** Where Debian puts nats-server (not always on PATH). */
const NATS_SERVER_PATHS = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

function natsServerBinary(): string {
  return NATS_SERVER_PATHS.find((path) => existsSync(path)) ?? 'nats-server';
}

/**
 * A nats-server (JetStream on, a temporary store directory, a free port) of
 * one test's own, for what the shared test server must not go through: being
 * stopped under a running service and started again on the same port and
 * store, so streams survive and clients reconnect.
 */
export class TestNatsServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: { path: string; remove(): Promise<void> },
  ) {}

  static async start(): Promise<TestNatsServer> {
    const server = new TestNatsServer(await freePort(), await tempDir('mpr-nats-'));
    await server.resume();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the server again (same port, same store) after `pause()`. */
  async resume(): Promise<void> {
    if (this.child) return;
    const child = spawn(natsServerBinary(), ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', join(this.dir.path, 'store')], { stdio: 'ignore' });
    this.child = child;
    let failure: string | undefined;
    child.once('error', (err) => (failure = `nats-server could not be run: ${err.message}`));
    child.once('exit', (code, signal) => {
      failure ??= `nats-server exited with ${code ?? signal}`;
      if (this.child === child) this.child = undefined;
    });
    await waitFor(`nats-server on port ${this.port}`, async () => failure ?? (await accepts(this.port)), {
      done: (v) => v === true || typeof v === 'string',
      timeoutMs: 15_000,
    });
    if (failure) throw new Error(failure);
  }

  /** Stops the server (SIGTERM, SIGKILL after 10 s) and waits for it to exit; its store stays for `resume()`. */
  async pause(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
  }

  /** Stops it and removes its store. */
  async remove(): Promise<void> {
    await this.pause();
    await this.dir.remove();
  }
}
