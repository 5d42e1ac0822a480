import { Code, ConnectError } from '@connectrpc/connect';
import { ClosedConnectionError, ConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/nats-core';

const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function invalidArgument(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/** Job ids are subject tokens: refuse anything else before it reaches NATS. */
export function assertJobId(jobId: string): void {
  if (!jobId) throw invalidArgument('job_id is required');
  if (!JOB_ID.test(jobId)) throw invalidArgument('job_id may hold only letters, digits, "-" and "_" (at most 128)');
}

export function jobNotFound(jobId: string): ConnectError {
  return new ConnectError(`job ${jobId} not found`, Code.NotFound);
}

/** NATS is away (or stopped answering): the client retries, resuming from what it saw. */
export function brokerUnavailable(): ConnectError {
  return new ConnectError('the broker (NATS) is unavailable: retry, resuming from the last sequence received', Code.Unavailable);
}

/** The broker is away or not answering: worth a retry, unlike a bug. */
export function isBrokerError(err: unknown): boolean {
  return [ClosedConnectionError, ConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError].some((type) => err instanceof type);
}

/** What the wire says about an error: a ConnectError as is, anything else by kind only (the cause stays in the log). */
export function toWireError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (isBrokerError(err)) return brokerUnavailable();
  return new ConnectError('internal error', Code.Internal);
}
