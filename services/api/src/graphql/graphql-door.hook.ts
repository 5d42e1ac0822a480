import type { MercuriusContext, preParsingHookHandler } from 'mercurius';
import { BearerTokenCheck } from '@mpr/core';

/**
 * The GraphQL door: with MPR_API_TOKEN set, every operation — queries,
 * mutations, introspection, the federation gateway's `_service` and
 * `_entities` — needs `Authorization: Bearer <MPR_API_TOKEN>`. Checked before
 * parsing, so a caller without it learns nothing about the schema and costs
 * no parse. The refusal is UNAUTHENTICATED with HTTP 401 (graphql-errors.ts).
 */
export function graphqlTokenHook(apiToken: string | undefined): preParsingHookHandler<MercuriusContext> | undefined {
  const check = new BearerTokenCheck(apiToken);
  if (!check.required) return undefined;
  return (_schema, _source, context) => {
    const { request } = context.reply;
    try {
      check.assert(request.headers.authorization, 'every GraphQL operation');
    } catch (err) {
      context.reply.header('www-authenticate', 'Bearer');
      throw err;
    }
  };
}
