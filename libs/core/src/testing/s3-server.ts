import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { tempDir } from './media-fixtures';
import { accepts, freePort } from './ports';
import { waitFor } from './wait-for';

/** How an object got to its key on the server: stored from a request's body, or copied by the server from another. */
export interface ObjectWrite {
  readonly how: 'stored' | 'copied';
  /** `bucket/key`. */
  readonly key: string;
  readonly from?: string;
}

/** The access key pair s3rver accepts (its fixed defaults; nothing secret). */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * An S3-protocol server (s3rver) of one test's own: a free port on 127.0.0.1, its objects in a temporary folder,
 * the named buckets created at start. It runs as a child process with OpenSSL's legacy provider: s3rver encrypts
 * ListObjectsV2 continuation tokens with DES, which OpenSSL 3 has only there (without it every truncated listing
 * is a 500). What it does not speak (ListParts, AbortMultipartUpload: 405) is in docs/media-storage.md.
 */
export class TestS3Server {
  /** With `logWrites`: how each object came to be, in order (s3rver's own log lines). */
  private readonly writes: ObjectWrite[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: { path: string; remove(): Promise<void> },
  ) {}

  /** `logWrites`: s3rver logs what it stores and copies, which `objectWrites()` then gives (quiet otherwise). */
  static async start(buckets: readonly string[] = ['media'], options: { logWrites?: boolean } = {}): Promise<TestS3Server> {
    const dir = await tempDir('mpr-s3-');
    const port = await freePort();
    const args = ['--openssl-legacy-provider', require.resolve('s3rver/bin/s3rver.js'), '-d', dir.path, '-a', '127.0.0.1', '-p', String(port)];
    if (!options.logWrites) args.push('-s');
    for (const bucket of buckets) args.push('--configure-bucket', bucket);
    const child = spawn(process.execPath, args, { stdio: ['ignore', options.logWrites ? 'pipe' : 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    let failure: string | undefined;
    child.once('error', (err) => (failure = `s3rver could not be run: ${err.message}`));
    child.once('exit', (code, signal) => (failure ??= `s3rver exited with ${code ?? signal}: ${stderr}`));
    const server = new TestS3Server(child, port, dir);
    if (options.logWrites) server.readWrites(child);
    try {
      await waitFor(`s3rver on port ${port}`, async () => failure ?? (await accepts(port)), {
        done: (v) => v === true || typeof v === 'string',
        timeoutMs: 15_000,
      });
      if (failure) throw new Error(failure);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** Every object stored (a PutObject, a completed multipart upload) or copied (CopyObject) so far: `bucket/key`. */
  objectWrites(): readonly ObjectWrite[] {
    return [...this.writes];
  }

  private readWrites(child: ChildProcess): void {
    let rest = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      // eslint-disable-next-line no-control-regex -- winston colours its level names
      const lines = (rest + chunk.toString()).replace(/\x1b\[[0-9;]*m/g, '').split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const stored = /Stored object "(.+)" in bucket "(.+)" successfully/.exec(line);
        if (stored) this.writes.push({ how: 'stored', key: `${stored[2]}/${stored[1]}` });
        const copied = /Copied object "(.+)" from bucket "(.+)" into bucket "(.+)" with key of "(.+)"/.exec(line);
        if (copied) this.writes.push({ how: 'copied', key: `${copied[3]}/${copied[4]}`, from: `${copied[2]}/${copied[1]}` });
      }
    });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What the platform reads to reach this server: the endpoint, path style, and the SDK's standard credential variables. */
  env(): Record<string, string> {
    return {
      S3_ENDPOINT: this.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    };
  }

  get credentials(): { accessKeyId: string; secretAccessKey: string } {
    return { ...S3RVER_CREDENTIALS };
  }

  /** Stops the server (SIGTERM, SIGKILL after 5 s) and removes its objects. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    }
    await this.dir.remove();
  }
}
