import type { ChunkWorkRepository } from './chunk-work.repository';

/** Publishes one telemetry message of an attempt (`mpr.telemetry.chunker.<job>.<subject…>`), its `attempt` and common fields included. */
export type AttemptTelemetry = (subject: readonly string[], body?: Record<string, unknown>) => void;

/**
 * The one way the chunker publishes telemetry: fire-and-forget, since a
 * message lost to a NATS hiccup must never hold up or fail the job (the
 * event log, not telemetry, is the truth).
 */
export function attemptTelemetry(work: ChunkWorkRepository, jobId: string, attempt: number, common: Record<string, unknown> = {}): AttemptTelemetry {
  return (subject, body = {}) => void work.telemetry(jobId, [...subject], { attempt, ...common, ...body }).catch(() => undefined);
}
