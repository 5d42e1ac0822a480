import { type CanActivate, type ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config.schema';
import { APP_CONFIG } from '../core.tokens';
import { BearerTokenCheck, Unauthenticated } from './bearer-token';

/** An HTTP door's refusal: 401 with `WWW-Authenticate: Bearer` (RFC 6750) and the check's words as `{ error }`. */
export function unauthenticatedHttp(reply: FastifyReply, err: Unauthenticated): HttpException {
  reply.header('www-authenticate', 'Bearer');
  return new HttpException({ error: err.message }, HttpStatus.UNAUTHORIZED);
}

/** With MPR_API_TOKEN set, the guarded HTTP route needs `Authorization: Bearer <MPR_API_TOKEN>`. */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly check: BearerTokenCheck;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.check = new BearerTokenCheck(config.MPR_API_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    try {
      this.check.assert(request.headers.authorization, request.routeOptions.url ?? request.url.split('?')[0]);
    } catch (err) {
      if (err instanceof Unauthenticated) throw unauthenticatedHttp(http.getResponse<FastifyReply>(), err);
      throw err;
    }
    return true;
  }
}
