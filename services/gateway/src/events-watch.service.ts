import { create } from '@bufbuild/protobuf';
import { Injectable } from '@nestjs/common';
import { AGGREGATE_TYPES, StreamNames } from '@mpr/core';
import {
  type WatchEventsRequest,
  type WatchEventsResponse,
  WatchEventsResponseSchema,
  type WatchJobRequest,
  type WatchJobResponse,
  WatchJobResponseSchema,
} from '@mpr/contracts/gateway_pb';
import { assertJobId, invalidArgument, jobNotFound } from './gateway.errors';
import { aggregateTypeOf, heartbeat, jobProgress, type ProgressMessage, sequencedEvent } from './gateway.messages';
import { GatewayFeeds } from './live/gateway-feeds';
import { GatewaySessions } from './live/gateway-sessions';
import { changed, newerThan, type StreamSession } from './live/stream-session';
import { type StreamMessage, StreamFeedRepository } from './stream-feed.repository';

type JobLive = { event: StreamMessage } | { progress: ProgressMessage };
type EventsLive = StreamMessage | { progress: ProgressMessage };

/**
 * WatchEvents and WatchJob: events replayed from the log with a consumer of
 * the stream's own, then live from the gateway's one shared feed of
 * MPR_EVENTS. The stream joins the live feed before it reads the log's last
 * sequence, and sends live events only after that: nothing falls between
 * replay and live, and nothing comes twice.
 */
@Injectable()
export class EventsWatchService {
  constructor(
    private readonly feeds: GatewayFeeds,
    private readonly sessions: GatewaySessions,
    private readonly repository: StreamFeedRepository,
    private readonly names: StreamNames,
  ) {}

  async *watchEvents(request: WatchEventsRequest, signal: AbortSignal): AsyncGenerator<WatchEventsResponse> {
    const types = [...new Set(request.aggregateTypes)];
    const unknown = types.filter((t) => !(AGGREGATE_TYPES as readonly string[]).includes(t));
    if (unknown.length > 0) {
      throw invalidArgument(`aggregate_types: unknown ${unknown.map((t) => JSON.stringify(t)).join(', ')} (known: ${AGGREGATE_TYPES.join(', ')})`);
    }
    const wanted = (subject: string) => types.length === 0 || types.includes(aggregateTypeOf(subject));
    // nats-server 2.9 filters a consumer on one subject only: one type is filtered there, several here.
    const filter = types.length === 1 ? `${this.names.subjectRoot}.events.${types[0]}.>` : this.names.allEvents();
    const session = this.sessions.open<EventsLive>(signal);
    try {
      await session.join(this.feeds.events, (msg) => (wanted(msg.subject) ? msg : undefined));
      // Joined before the latest values are read: a value published meanwhile comes live after them, so the newest wins.
      if (request.withProgress) await session.join(this.feeds.allProgress, (progress) => ({ progress }));
      const toEvent = (msg: StreamMessage) => create(WatchEventsResponseSchema, { kind: { case: 'event', value: sequencedEvent(msg) } });
      const toProgress = (progress: ProgressMessage) => create(WatchEventsResponseSchema, { kind: { case: 'progress', value: jobProgress(progress) } });
      const beat = () => create(WatchEventsResponseSchema, { kind: { case: 'heartbeat', value: heartbeat() } });
      let covered = Number(request.fromSequence) - 1;
      for await (const msg of this.replay(session, filter, Number(request.fromSequence), (seq) => (covered = seq))) {
        if (wanted(msg.subject)) yield toEvent(msg);
      }
      if (request.withProgress) {
        // Yielded, not buffered: a busy hour holds more jobs than a stream's live buffer.
        for await (const msg of this.latestProgress(session)) yield toProgress({ data: msg.data });
      }
      // Caught up: a client learns the replay is over (and, on an idle log, that the stream is open at all) at once.
      session.sent();
      yield beat();
      const fresh = newerThan(covered);
      const respond = (item: EventsLive) => ('progress' in item ? toProgress(item.progress) : fresh(item.sequence) ? toEvent(item) : undefined);
      for (let response; (response = await session.nextResponse(respond, beat));) yield response;
    } finally {
      session.close();
    }
  }

  /** The latest progress of every job MPR_TELEMETRY still holds (its retention: an hour). */
  private async *latestProgress<L>(session: StreamSession<L>): AsyncGenerator<StreamMessage> {
    const upTo = await this.repository.lastSequence(this.names.telemetry);
    const subjects = this.names.jobProgressSubject('*');
    for await (const msg of this.repository.replay(this.names.telemetry, subjects, { lastPerSubject: true, upTo }, session.signal)) {
      session.sent();
      yield msg;
    }
    session.assertOpen();
  }

  async *watchJob(request: WatchJobRequest, signal: AbortSignal): AsyncGenerator<WatchJobResponse> {
    assertJobId(request.jobId);
    const subject = this.names.aggregateSubject({ type: 'job', id: request.jobId });
    if (!(await this.repository.lastMessage(this.names.events, subject))) throw jobNotFound(request.jobId);
    const session = this.sessions.open<JobLive>(signal);
    try {
      await session.join(this.feeds.events, (msg) => (msg.subject === subject ? { event: msg } : undefined));
      await session.join(this.feeds.progress(request.jobId), (progress) => ({ progress }));
      // The latest progress first (after the events replayed), then each new value.
      const latest = await this.repository.lastMessage(this.names.telemetry, this.names.jobProgressSubject(request.jobId));
      if (latest) session.put({ progress: { data: latest.data } });
      const toEvent = (msg: StreamMessage) => create(WatchJobResponseSchema, { kind: { case: 'event', value: sequencedEvent(msg) } });
      let covered = Number(request.fromSequence) - 1;
      for await (const msg of this.replay(session, subject, Number(request.fromSequence), (seq) => (covered = seq))) yield toEvent(msg);
      const fresh = newerThan(covered);
      const newProgress = changed();
      const respond = (item: JobLive) => {
        if ('event' in item) return fresh(item.event.sequence) ? toEvent(item.event) : undefined;
        return newProgress(item.progress.data) ? create(WatchJobResponseSchema, { kind: { case: 'progress', value: jobProgress(item.progress) } }) : undefined;
      };
      const beat = () => create(WatchJobResponseSchema, { kind: { case: 'heartbeat', value: heartbeat() } });
      for (let response; (response = await session.nextResponse(respond, beat));) yield response;
    } finally {
      session.close();
    }
  }

  /**
   * The log from `from` up to its last sequence now; `covered` learns how far
   * the replay reached (the last sequence, even when the last messages were
   * filtered out), so live events at or before it are skipped.
   */
  private async *replay<L>(session: StreamSession<L>, filter: string, from: number, covered: (sequence: number) => void): AsyncGenerator<StreamMessage> {
    const upTo = await this.repository.lastSequence(this.names.events);
    const start = Math.max(1, from);
    for await (const msg of this.repository.replay(this.names.events, filter, { from: start, upTo }, session.signal)) {
      session.sent();
      yield msg;
    }
    session.assertOpen();
    covered(Math.max(start - 1, upTo));
  }
}
