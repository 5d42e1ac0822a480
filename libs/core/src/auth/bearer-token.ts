import { timingSafeEqual } from 'node:crypto';

/** Why a request's credential was refused; the message is safe to send to the caller. */
export class Unauthenticated extends Error {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'Unauthenticated';
  }
}

/**
 * The one check of `Authorization: Bearer <MPR_API_TOKEN>`, shared by every door (GraphQL, HTTP, RPC)
 * so they refuse with the same words. Compared in constant time: the token is the platform's only secret.
 */
export class BearerTokenCheck {
  private readonly token?: Buffer;

  constructor(token: string | undefined) {
    this.token = token ? Buffer.from(token) : undefined;
  }

  /** False when no token is configured: then every door is open, as documented. */
  get required(): boolean {
    return this.token !== undefined;
  }

  /** Throws Unauthenticated unless `header` (the Authorization header's value) carries the token. */
  assert(header: string | null | undefined, what = 'this call'): void {
    if (!this.token) return;
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) throw new Unauthenticated(`${what} needs an "Authorization: Bearer <token>" header`);
    const given = Buffer.from(match[1]);
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) throw new Unauthenticated('the bearer token is not valid');
  }
}
