import {
  createTestDatabase,
  createTestMediaRoots,
  createTestStreams,
  type TestDatabase,
  type TestMediaRoots,
  type TestStreams,
  testServiceEnv,
} from './test-infra';
import { createServer } from 'node:net';
import { ServiceProcess } from './service-process';
import { waitFor } from './wait-for';

export const PLATFORM_SERVICES = ['api', 'gateway', 'scheduler', 'transcoder', 'chunker'] as const;
export const PLATFORM_API_TOKEN = 'platform-test-token-0123456789';

export interface GraphqlResult<T> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/**
 * The platform as `npm start` composes it: `node dist/services/all/main.js`,
 * all five services in one child process, against a private stream prefix,
 * database and media folders. A test reaches it only as a client would:
 * GraphQL and HTTP on the announced URLs, files in the media folders.
 */
export class PlatformProcess {
  /** With `gatewayApart`: the gateway as its own process, which a test can stop and start again. */
  private gateway: ServiceProcess | undefined;

  private constructor(
    readonly process: ServiceProcess,
    readonly streams: TestStreams,
    readonly db: TestDatabase,
    readonly media: TestMediaRoots,
    private readonly gatewayEnv: Record<string, string> | undefined,
    /** What the platform process runs with: a test starting a service as a process of its own passes it on. */
    readonly env: Record<string, string>,
  ) {}

  /**
   * `gatewayApart`: every service but the gateway in the one process, and the
   * gateway alone on a fixed port that the API forwards the dashboard's
   * streams to (MPR_GATEWAY_URL), so `stopGateway()`/`startGateway()` take it
   * away and bring it back where the page reaches it.
   */
  static async start(extraEnv: Record<string, string> = {}, options: { gatewayApart?: boolean } = {}): Promise<PlatformProcess> {
    const [streams, db, media] = await Promise.all([createTestStreams(), createTestDatabase(), createTestMediaRoots('mpr-platform-')]);
    const ports = Object.fromEntries(PLATFORM_SERVICES.map((s) => [`MPR_${s.toUpperCase()}_PORT`, '0']));
    const gatewayPort = options.gatewayApart ? await freePort() : undefined;
    const apart: Record<string, string> = gatewayPort
      ? { MPR_SERVICES: PLATFORM_SERVICES.filter((s) => s !== 'gateway').join(','), MPR_GATEWAY_URL: `http://127.0.0.1:${gatewayPort}` }
      : {};
    // Log level 'log' at least: the URLs are announced at that level.
    const env = testServiceEnv(
      { streams, databaseUrl: db.url, media },
      { ...ports, MPR_API_TOKEN: PLATFORM_API_TOKEN, ...extraEnv, ...apart, MPR_LOG_LEVEL: 'log' },
    );
    const gatewayEnv = gatewayPort ? { ...env, MPR_SERVICES: '', MPR_GATEWAY_PORT: String(gatewayPort) } : undefined;
    const platform = new PlatformProcess(new ServiceProcess('all', env), streams, db, media, gatewayEnv, env);
    // MPR_SERVICES in extraEnv runs only some services (a test of what the others' absence looks like).
    const expected = extraEnv.MPR_SERVICES ? extraEnv.MPR_SERVICES.split(',').length : PLATFORM_SERVICES.length - (gatewayPort ? 1 : 0);
    try {
      if (gatewayPort) await platform.startGateway();
      await waitFor(
        `the platform's ${expected} services to announce their URLs`,
        () => {
          if (platform.process.exited) throw new Error(`the platform exited while starting:\n${platform.process.logText().slice(-2_000)}`);
          return platform.process.urls.size;
        },
        { done: (n) => n === expected, timeoutMs: 60_000, describe: (n) => `${n} announced` },
      );
    } catch (err) {
      await platform.stop();
      throw err;
    }
    return platform;
  }

  /** (gatewayApart) Starts the gateway process on its port; resolves once it serves. */
  async startGateway(): Promise<void> {
    if (!this.gatewayEnv) throw new Error('the gateway runs inside the platform process: start it with { gatewayApart: true }');
    if (this.gateway && !this.gateway.exited) throw new Error('the gateway runs already');
    this.gateway = new ServiceProcess('gateway', this.gatewayEnv);
    await this.gateway.ready;
  }

  /** (gatewayApart) Stops the gateway process: SIGTERM, as Kubernetes stops a pod (streams end with `unavailable`), or SIGKILL. */
  async stopGateway(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (!this.gateway) throw new Error('no gateway process');
    if (signal === 'SIGKILL') await this.gateway.kill('SIGKILL');
    else await this.gateway.stop();
  }

  get mediaIn(): string {
    return this.media.mediaIn;
  }

  get mediaOut(): string {
    return this.media.mediaOut;
  }

  url(service: (typeof PLATFORM_SERVICES)[number]): string {
    const url = (service === 'gateway' && this.gateway ? this.gateway : this.process).urls.get(service);
    if (!url) throw new Error(`${service} announced no URL`);
    return url;
  }

  /** POSTs a GraphQL document to the API with the platform's token (`token: null` sends none). */
  async graphql<T = Record<string, unknown>>(
    query: string,
    options: { token?: string | null; variables?: Record<string, unknown> } = {},
  ): Promise<GraphqlResult<T>> {
    const token = options.token === undefined ? PLATFORM_API_TOKEN : options.token;
    const response = await fetch(`${this.url('api')}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables: options.variables }),
    });
    const body = (await response.json()) as { data?: T | null; errors?: GraphqlResult<T>['errors'] };
    return { status: response.status, data: body.data, errors: body.errors };
  }

  /** Like graphql(), but a GraphQL error fails the caller with its message. */
  async query<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const result = await this.graphql<T>(query, { variables });
    if (result.errors?.length || !result.data) throw new Error(`GraphQL ${query.slice(0, 60)}…: ${JSON.stringify(result.errors)}`);
    return result.data;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.process.stop(), this.gateway?.stop()]);
    await Promise.allSettled([this.streams.cleanup(), this.db.drop(), this.media.remove()]);
  }
}

/** A port free now (the OS picks it); the gateway process binds it next, and again after a restart. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
