import { type ArgumentsHost, Catch, Logger } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { DomainError, Unauthenticated } from '@mpr/core';
import { ReadModelsBehind } from '../projections/read-models-behind.error';

const logger = new Logger('GraphQL');

/**
 * Answers that are the client's to act on — a refused command, an unknown id,
 * a missing token, a read that came too early — go back as they are
 * (formatGraphqlErrors gives them their codes). Without this filter Nest logs
 * each one as an ERROR with its stack: a user trying a video preset on a
 * sound file filled the log with traces. A late read is the operator's
 * business too, so it is logged once, with what held the projection.
 */
@Catch(DomainError, Unauthenticated, ReadModelsBehind)
export class ClientErrorsFilter implements GqlExceptionFilter {
  catch(exception: DomainError | Unauthenticated | ReadModelsBehind, _host: ArgumentsHost): Error {
    if (exception instanceof ReadModelsBehind) logger.warn(exception.message);
    return exception;
  }
}
