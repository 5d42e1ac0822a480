import { Logger } from '@nestjs/common';
import { type ExecutionResult, GraphQLError } from 'graphql';
import { DomainError, IllegalTransition, Unauthenticated } from '@mpr/core';
import { ReadModelsBehind } from '../projections/read-models-behind.error';

const logger = new Logger('GraphQL');

type MercuriusExecution = ExecutionResult & { errors: readonly GraphQLError[]; statusCode?: number };

/** Mercurius reports parse and validation failures as one error carrying the list. */
function flatten(errors: readonly GraphQLError[]): { error: GraphQLError; statusCode?: number }[] {
  return errors.flatMap((error) => {
    const original = error.originalError as { errors?: unknown[]; statusCode?: number } | undefined;
    if (Array.isArray(original?.errors)) {
      return original.errors.map((inner) => ({
        error: inner instanceof GraphQLError ? inner : new GraphQLError(String((inner as Error)?.message ?? inner)),
        statusCode: original.statusCode ?? 400,
      }));
    }
    return [{ error, statusCode: unauthenticated(error) ? 401 : refusedRequest(error) }];
  });
}

/** A request without the token never reaches GraphQL (graphql-door.hook.ts): 401, as for every other door. */
const unauthenticated = (error: GraphQLError) => error.originalError instanceof Unauthenticated;

/**
 * The 4xx status of a request refused before GraphQL saw it — Fastify's body
 * parser on a body that is not JSON answers through the error formatter too.
 */
function refusedRequest(error: GraphQLError): number | undefined {
  const status = (error.originalError as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function format(error: GraphQLError, clientFault: boolean): GraphQLError {
  const original = (error.originalError as { originalError?: unknown } | undefined)?.originalError ?? error.originalError;
  const location = { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path };
  if (original instanceof DomainError || original instanceof Unauthenticated) {
    const extensions: Record<string, unknown> = { code: original.code };
    if (original instanceof IllegalTransition) extensions.state = original.state;
    if ('field' in original && original.field) extensions.field = original.field;
    return new GraphQLError(original.message, { ...location, extensions });
  }
  if (original instanceof ReadModelsBehind) {
    // Done but not yet readable: the client reads again (by id), it does not send the command again.
    const extensions = { code: original.code, retryable: true, [`${original.aggregate.type}Id`]: original.aggregate.id };
    return new GraphQLError(original.message, { ...location, extensions });
  }
  if (refusedRequest(error) !== undefined) {
    return new GraphQLError(error.message, { ...location, extensions: { code: 'BAD_REQUEST' } });
  }
  if (clientFault || !error.originalError) {
    const code = error.message.startsWith('Syntax Error') ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED';
    return new GraphQLError(error.message, { ...location, extensions: { code, ...error.extensions } });
  }
  logger.error(`${error.path?.join('.') ?? 'query'}: ${error.originalError.stack ?? error.originalError.message}`);
  return new GraphQLError('internal error', { ...location, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/**
 * The one place where failures become GraphQL errors: typed errors keep
 * their message and get `extensions.code` (and the state, for illegal
 * transitions); parse and validation errors keep graphql-js's words; anything
 * else is an internal error whose cause goes to the log, not to the client.
 */
export function formatGraphqlErrors(execution: MercuriusExecution): { statusCode: number; response: ExecutionResult } {
  const flat = flatten(execution.errors);
  const errors = flat.map(({ error, statusCode }) => format(error, statusCode !== undefined));
  const rejected = flat.find((e) => e.statusCode !== undefined);
  // A query that ran (even with field errors) answers 200, as GraphQL over HTTP says.
  const statusCode = execution.data ? 200 : (rejected?.statusCode ?? execution.statusCode ?? 200);
  return { statusCode, response: { data: execution.data ?? null, errors } };
}
