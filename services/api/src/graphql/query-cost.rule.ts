import { GraphQLError, type ValidationRule } from 'graphql';
import { createComplexityRule, fieldExtensionsEstimator, simpleEstimator } from 'graphql-query-complexity';

/**
 * Refuses queries whose estimated cost is above `max`: one per field unless
 * the field declares its own `complexity` (a job's history reads the log).
 * Aliases could otherwise multiply an expensive field at will.
 */
export function queryCostRule(max: number): ValidationRule {
  return createComplexityRule({
    maximumComplexity: max,
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    createError: (cost: number, maximum: number) => new GraphQLError(`query cost ${cost} exceeds the limit of ${maximum}`),
  }) as ValidationRule;
}
