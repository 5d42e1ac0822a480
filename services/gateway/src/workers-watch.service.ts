import { create } from '@bufbuild/protobuf';
import { Injectable } from '@nestjs/common';
import { StreamNames } from '@mpr/core';
import { type WatchWorkersResponse, WatchWorkersResponseSchema } from '@mpr/contracts/gateway_pb';
import { heartbeat, workerPresence } from './gateway.messages';
import { GatewayFeeds } from './live/gateway-feeds';
import { GatewaySessions } from './live/gateway-sessions';
import { IDLE } from './live/stream-session';
import { type StreamMessage, StreamFeedRepository } from './stream-feed.repository';
import { type RosterChange, WorkerRoster } from './worker-roster';

/** How often a stream looks for workers whose presence expired. */
const EXPIRY_TICK_MS = 250;

/**
 * WatchWorkers: every worker's latest presence (a last-per-subject replay of
 * `mpr.telemetry.worker.*`), then each change from the shared feed, and a
 * `gone` for a worker that leaves or whose presence expires.
 */
@Injectable()
export class WorkersWatchService {
  constructor(
    private readonly feeds: GatewayFeeds,
    private readonly sessions: GatewaySessions,
    private readonly repository: StreamFeedRepository,
    private readonly names: StreamNames,
  ) {}

  async *watch(signal: AbortSignal): AsyncGenerator<WatchWorkersResponse> {
    const roster = new WorkerRoster();
    const session = this.sessions.open<StreamMessage>(signal);
    const toResponse = (change: RosterChange) =>
      create(WatchWorkersResponseSchema, {
        kind: change.kind === 'worker' ? { case: 'worker', value: change.worker } : { case: 'gone', value: { workerId: change.workerId } },
      });
    try {
      await session.join(this.feeds.workers, (msg) => msg);
      const upTo = await this.repository.lastSequence(this.names.telemetry);
      const filter = this.names.telemetrySubject('worker', '*');
      for await (const msg of this.repository.replay(this.names.telemetry, filter, { lastPerSubject: true, upTo }, session.signal)) {
        const change = roster.apply(workerPresence(msg), Date.now());
        if (change?.kind === 'worker') {
          session.sent();
          yield toResponse(change);
        }
      }
      session.assertOpen();
      let last = upTo;
      for (;;) {
        const item = await session.next(EXPIRY_TICK_MS);
        if (item === undefined) return;
        for (const change of roster.expire(Date.now())) {
          session.sent();
          yield toResponse(change);
        }
        if (item === IDLE) {
          if (session.heartbeatDue()) yield create(WatchWorkersResponseSchema, { kind: { case: 'heartbeat', value: heartbeat() } });
          continue;
        }
        if (item.sequence <= last) continue;
        last = item.sequence;
        const change = roster.apply(workerPresence(item), Date.now());
        if (change) {
          session.sent();
          yield toResponse(change);
        }
      }
    } finally {
      session.close();
    }
  }
}
