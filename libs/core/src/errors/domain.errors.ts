/**
 * Typed failures of the domain. The edges map them once: GraphQL error
 * extensions in the API, Connect codes in the gateway.
 */
export abstract class DomainError extends Error {
  abstract readonly code: 'BAD_USER_INPUT' | 'NOT_FOUND' | 'ILLEGAL_TRANSITION' | 'CONFLICT';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A command that the aggregate's current state does not allow. */
export class IllegalTransition extends DomainError {
  readonly code = 'ILLEGAL_TRANSITION' as const;
  constructor(
    readonly aggregateType: string,
    readonly aggregateId: string,
    readonly state: string,
    readonly command: string,
    reason?: string,
  ) {
    super(`cannot ${command} ${aggregateType} ${aggregateId} in state ${state}${reason ? `: ${reason}` : ''}`);
  }
}

export class ValidationError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    readonly aggregateType: string,
    readonly aggregateId: string,
  ) {
    super(`${aggregateType} ${aggregateId} not found`);
  }
}

/**
 * Another writer appended to the aggregate after we read it. Raised by the
 * event store for JetStream's "wrong last sequence" (API error 10071).
 */
export class ConcurrencyConflict extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor(
    readonly subject: string,
    readonly expectedVersion: number,
  ) {
    super(`concurrent write to ${subject}: expected version ${expectedVersion} is no longer the last`);
  }
}
