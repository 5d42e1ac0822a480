import { timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '@mpr/core';

export class Unauthenticated extends Error {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'Unauthenticated';
  }
}

/** With MPR_API_TOKEN set, a mutation needs `Authorization: Bearer <MPR_API_TOKEN>`. */
@Injectable()
export class MutationAuthGuard implements CanActivate {
  private readonly token?: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.token = config.MPR_API_TOKEN ? Buffer.from(config.MPR_API_TOKEN) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) return true;
    const request = GqlExecutionContext.create(context).getContext<{ reply: { request: FastifyRequest } }>().reply.request;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new Unauthenticated('this mutation needs an "Authorization: Bearer <token>" header');
    const given = Buffer.from(match[1]);
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) throw new Unauthenticated('the bearer token is not valid');
    return true;
  }
}
