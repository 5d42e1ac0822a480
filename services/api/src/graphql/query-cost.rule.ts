import { GraphQLError, type ValidationRule } from 'graphql';
import { createComplexityRule, fieldExtensionsEstimator, simpleEstimator } from 'graphql-query-complexity';

/**
 * Refuses queries whose estimated cost is above `max`: one per field unless
 * the field declares its own `complexity` (a job's history reads the log).
 * Aliases could otherwise multiply an expensive field at will.
 *
 * Built per request with the request's `variables`: the estimator reads
 * them, and without them it reports every required variable as "not
 * provided", which refused any operation declaring one (`mutation($input:
 * CreateJobInput!)`, as GraphiQL's variables pane sends).
 */
export function queryCostRule(max: number, variables: Record<string, unknown> = {}): ValidationRule {
  return createComplexityRule({
    maximumComplexity: max,
    variables,
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    createError: (cost: number, maximum: number) => new GraphQLError(`query cost ${cost} exceeds the limit of ${maximum}`),
  }) as ValidationRule;
}
