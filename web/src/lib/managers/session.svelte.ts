import { GraphqlClient, type GraphqlError } from '../graphql/client';
import { SessionCheckDocument } from '../graphql/generated';

const TOKEN_KEY = 'mpr.apiToken';

export type SessionState = 'checking' | 'signed-in' | 'needs-token';

/**
 * Who the page is to the API. With MPR_API_TOKEN set on the server every
 * GraphQL call needs the bearer token: the page asks for it once, keeps it in
 * localStorage, and goes back to the sign-in when the API refuses it
 * (UNAUTHENTICATED, 401). Without a token configured the first check passes
 * and no sign-in shows.
 */
export class Session {
  #token = $state(localStorage.getItem(TOKEN_KEY) ?? '');
  #state = $state<SessionState>('checking');
  #refusal = $state<string | null>(null);

  readonly client = new GraphqlClient(
    () => this.#token,
    (error) => this.#refused(error),
  );

  get state(): SessionState {
    return this.#state;
  }

  /** Why the last token was refused (the API's words), or null. */
  get refusal(): string | null {
    return this.#refusal;
  }

  get hasToken(): boolean {
    return this.#token !== '';
  }

  /** Asks the API whether the page may in: with the stored token, or none. */
  async check(): Promise<void> {
    this.#state = 'checking';
    try {
      // Not systemStatus: it checks NATS and PostgreSQL, and every view waited for it (~110 ms of the Jobs view's first second).
      await this.client.request(SessionCheckDocument);
      this.#state = 'signed-in';
      this.#refusal = null;
    } catch (err) {
      if ((err as GraphqlError).unauthenticated) return; // #refused switched to the sign-in
      // The API is down or broken: stay in; each view shows its own error.
      this.#state = 'signed-in';
    }
  }

  async signIn(token: string): Promise<void> {
    this.#token = token.trim();
    localStorage.setItem(TOKEN_KEY, this.#token);
    await this.check();
  }

  signOut(): void {
    this.#token = '';
    localStorage.removeItem(TOKEN_KEY);
    this.#refusal = null;
    this.#state = 'needs-token';
  }

  /** The session's token for the gateway's streams, which check it with the same words. */
  readonly token = (): string => this.#token;

  /** A stream was refused (UNAUTHENTICATED): back to the sign-in, as for a refused GraphQL call. */
  streamRefused(): void {
    this.#refused({ message: 'the live stream refused the token' });
  }

  #refused(error: Pick<GraphqlError, 'message'>): void {
    this.#refusal = this.#token ? error.message : null;
    this.#state = 'needs-token';
  }
}
