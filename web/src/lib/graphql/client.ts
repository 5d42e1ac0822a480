import type { TypedDocumentString } from './generated';

/** A GraphQL error as the API formats it (services/api/src/graphql/graphql-errors.ts): its words and its code. */
export class GraphqlError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'GraphqlError';
  }

  get unauthenticated(): boolean {
    return this.code === 'UNAUTHENTICATED';
  }
}

interface GraphqlBody<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/**
 * The one door to the API's /graphql, on the page's own origin (no CORS).
 * Documents are the generated typed strings, so a result's type is the
 * schema's. `onUnauthenticated` lets the session forget a refused token.
 */
export class GraphqlClient {
  constructor(
    private readonly token: () => string,
    private readonly onUnauthenticated: (error: GraphqlError) => void,
  ) {}

  async request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables?: TVariables): Promise<TResult> {
    const token = this.token();
    let response: Response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: document.toString(), variables }),
      });
    } catch {
      throw new GraphqlError('the API does not answer (network error)', 'NETWORK', 0);
    }
    let body: GraphqlBody<TResult>;
    try {
      body = (await response.json()) as GraphqlBody<TResult>;
    } catch {
      throw new GraphqlError(`the API answered ${response.status} without a GraphQL body`, 'BAD_RESPONSE', response.status);
    }
    const first = body.errors?.[0];
    if (first || !body.data) {
      const error = new GraphqlError(first?.message ?? 'the API answered without data', first?.extensions?.code ?? 'UNKNOWN', response.status);
      if (error.unauthenticated) this.onUnauthenticated(error);
      throw error;
    }
    return body.data;
  }
}
