import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { type BearerTokenCheck, Unauthenticated } from '@mpr/core';

/** With MPR_API_TOKEN set, every RPC needs `Authorization: Bearer <token>` (the same check and words as the API's). */
export function bearerTokenInterceptor(check: BearerTokenCheck): Interceptor {
  return (next) => async (request) => {
    try {
      check.assert(request.header.get('authorization'), 'this RPC');
    } catch (err) {
      if (err instanceof Unauthenticated) throw new ConnectError(err.message, Code.Unauthenticated);
      throw err;
    }
    return next(request);
  };
}
