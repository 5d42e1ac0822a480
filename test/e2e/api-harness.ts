import { type AppConfig, loadConfig, type RunningService, startService } from '@mpr/core';
import { createTestDatabase, createTestMediaRoots, createTestStreams, type TestDatabase, type TestStreams, testServiceEnv } from '@mpr/core/testing/test-infra';
import { apiService } from '../../services/api/src/api.service-definition';

export interface ApiHarness {
  config: AppConfig;
  api: RunningService;
  url: string;
  streams: TestStreams;
  db: TestDatabase;
  mediaIn: string;
  mediaOut: string;
  /** POSTs a GraphQL document; `token` overrides the harness's bearer token. */
  graphql<T = Record<string, any>>(query: string, options?: { token?: string | null; variables?: Record<string, unknown> }): Promise<GraphqlResponse<T>>;
  stop(): Promise<void>;
}

export interface GraphqlResponse<T> {
  status: number;
  /** null when execution failed, absent when it never started. */
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export const API_TOKEN = 'test-token-0123456789abcdef';

/**
 * The API service in this process against a private stream prefix, its own
 * database and temp media roots: what a client sees over HTTP.
 */
export async function startApi(extraEnv: Record<string, string> = {}): Promise<ApiHarness> {
  const streams = await createTestStreams();
  const db = await createTestDatabase();
  const media = await createTestMediaRoots('mpr-api-');
  const { mediaIn, mediaOut } = media;
  const config = loadConfig(testServiceEnv({ streams, databaseUrl: db.url, media }, { MPR_API_PORT: '0', MPR_API_TOKEN: API_TOKEN, ...extraEnv }));
  const api = await startService(apiService, config);
  const harness: ApiHarness = {
    config,
    api,
    url: api.url,
    streams,
    db,
    mediaIn,
    mediaOut,
    async graphql(query, options = {}) {
      const token = options.token === undefined ? API_TOKEN : options.token;
      const response = await fetch(`${harness.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables: options.variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: any[] };
      return { status: response.status, data: body.data, errors: body.errors };
    },
    async stop() {
      await harness.api.app.close();
      await streams.cleanup();
      await db.drop();
      await media.remove();
    },
  };
  return harness;
}
