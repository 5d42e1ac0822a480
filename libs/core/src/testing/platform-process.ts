import {
  createTestDatabase,
  createTestMediaRoots,
  createTestStreams,
  type TestDatabase,
  type TestMediaRoots,
  type TestStreams,
  testServiceEnv,
} from './test-infra';
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
  private constructor(
    readonly process: ServiceProcess,
    readonly streams: TestStreams,
    readonly db: TestDatabase,
    readonly media: TestMediaRoots,
  ) {}

  static async start(extraEnv: Record<string, string> = {}): Promise<PlatformProcess> {
    const [streams, db, media] = await Promise.all([createTestStreams(), createTestDatabase(), createTestMediaRoots('mpr-platform-')]);
    const ports = Object.fromEntries(PLATFORM_SERVICES.map((s) => [`MPR_${s.toUpperCase()}_PORT`, '0']));
    // Log level 'log' at least: the URLs are announced at that level.
    const env = testServiceEnv({ streams, databaseUrl: db.url, media }, { ...ports, MPR_API_TOKEN: PLATFORM_API_TOKEN, ...extraEnv, MPR_LOG_LEVEL: 'log' });
    const platform = new PlatformProcess(new ServiceProcess('all', env), streams, db, media);
    try {
      await waitFor(
        'all five services to announce their URLs',
        () => {
          if (platform.process.exited) throw new Error(`the platform exited while starting:\n${platform.process.logText().slice(-2_000)}`);
          return platform.process.urls.size;
        },
        { done: (n) => n === PLATFORM_SERVICES.length, timeoutMs: 60_000, describe: (n) => `${n} announced` },
      );
    } catch (err) {
      await platform.stop();
      throw err;
    }
    return platform;
  }

  get mediaIn(): string {
    return this.media.mediaIn;
  }

  get mediaOut(): string {
    return this.media.mediaOut;
  }

  url(service: (typeof PLATFORM_SERVICES)[number]): string {
    const url = this.process.urls.get(service);
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
    await this.process.stop();
    await Promise.allSettled([this.streams.cleanup(), this.db.drop(), this.media.remove()]);
  }
}
