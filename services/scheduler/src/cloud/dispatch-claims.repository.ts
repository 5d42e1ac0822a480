import { hostname } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { JETSTREAM_CLIENT, NATS_CONNECTION, StreamNames } from '@mpr/core';
import { SCHEDULER_OPTIONS, type SchedulerOptions } from '../scheduler.options';

/** What a scheduler replica may do with a (job, attempt) it is about to start on a cloud executor. */
export type DispatchClaim =
  /** Start it: this replica holds the claim (`sequence` is its message's, for the conditional record after). */
  | { readonly kind: 'ours'; readonly sequence: number }
  /** Started already, by whichever replica held the claim: this is its execution. */
  | { readonly kind: 'started'; readonly executionId: string }
  /** Another replica is starting it (claimed at `since`, within the lease): ask again later. */
  | { readonly kind: 'held'; readonly holder: string; readonly since: Date };

interface ClaimBody {
  holder: string;
  executionId?: string;
}

/**
 * One starter per cloud attempt across scheduler replicas, for control planes that would start a second
 * execution when asked twice (Cloud Run's RunJob has no request id). The claim is a message on
 * `<root>.telemetry.dispatch.<job>.a<attempt>` in MPR_TELEMETRY (one message per subject, an hour's life: a claim
 * matters only until the attempt's JobStarted) published with Nats-Expected-Last-Subject-Sequence: 0 to claim,
 * the claim's own sequence to record the execution or to take over: JetStream accepts exactly one of two such
 * publishes, whichever replicas send them. A holder that died (nothing recorded within the lease) is taken over.
 */
@Injectable()
export class DispatchClaims {
  readonly holder = `${hostname()}-${process.pid}`;

  constructor(
    @Inject(JETSTREAM_CLIENT) private readonly js: JetStreamClient,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly names: StreamNames,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
  ) {}

  async claim(jobId: string, attempt: number): Promise<DispatchClaim> {
    const subject = this.subject(jobId, attempt);
    const fresh = await this.publish(subject, { holder: this.holder }, 0);
    if (fresh !== undefined) return { kind: 'ours', sequence: fresh };
    const current = await this.read(subject);
    if (current.kind !== 'held' || Date.now() - current.since.getTime() < this.options.cloudDispatchLeaseMs) return current;
    // Its holder recorded nothing within the lease: it died between claiming and recording. Of two replicas taking
    // over, one publishes after the held claim; the other's publish no longer follows it and is refused.
    const taken = await this.publish(subject, { holder: this.holder }, current.sequence);
    return taken === undefined ? this.read(subject) : { kind: 'ours', sequence: taken };
  }

  /** Records the attempt's execution under the claim; false when another replica took the claim over meanwhile. */
  async record(jobId: string, attempt: number, claim: { readonly sequence: number }, executionId: string): Promise<boolean> {
    return (await this.publish(this.subject(jobId, attempt), { holder: this.holder, executionId }, claim.sequence)) !== undefined;
  }

  private subject(jobId: string, attempt: number): string {
    return this.names.telemetrySubject('dispatch', jobId, `a${attempt}`);
  }

  /** The stream sequence of the message, or undefined when the subject's last message is no longer `after`. */
  private async publish(subject: string, body: ClaimBody, after: number): Promise<number | undefined> {
    try {
      return (await this.js.publish(subject, JSON.stringify(body), { expect: { lastSubjectSequence: after } })).seq;
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence) return undefined;
      throw err;
    }
  }

  private async read(subject: string): Promise<Exclude<DispatchClaim, { kind: 'ours' }> & { sequence: number }> {
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    const message = await jsm.streams.getMessage(this.names.telemetry, { last_by_subj: subject });
    // Refused because a message is there: gone since only if it aged out of the stream, an hour on.
    if (!message) throw new Error(`the dispatch claim ${subject} was refused, but none is stored`);
    const body = message.json<ClaimBody>();
    if (body.executionId) return { kind: 'started', executionId: body.executionId, sequence: message.seq };
    // The server's time, not a replica's clock: replicas with skewed clocks agree on a claim's age.
    return { kind: 'held', holder: body.holder, since: message.time, sequence: message.seq };
  }
}
