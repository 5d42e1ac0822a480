import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig, BearerTokenCheck } from '@mpr/core';

export { Unauthenticated } from '@mpr/core';

/** With MPR_API_TOKEN set, a mutation needs `Authorization: Bearer <MPR_API_TOKEN>`. */
@Injectable()
export class MutationAuthGuard implements CanActivate {
  private readonly check: BearerTokenCheck;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.check = new BearerTokenCheck(config.MPR_API_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.check.required) return true;
    const request = GqlExecutionContext.create(context).getContext<{ reply: { request: FastifyRequest } }>().reply.request;
    this.check.assert(request.headers.authorization, 'this mutation');
    return true;
  }
}
