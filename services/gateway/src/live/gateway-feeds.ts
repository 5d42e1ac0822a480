import { Injectable } from '@nestjs/common';
import { segmentReportSubject, StreamNames } from '@mpr/core';
import { type StreamMessage, StreamFeedRepository } from '../stream-feed.repository';
import type { ProgressMessage, SegmentReportMessage } from '../gateway.messages';
import { SharedFeed } from './shared-feed';

/**
 * The gateway's live sources, each shared by every stream that needs it: all
 * of MPR_EVENTS (one ordered consumer), per watched job its progress (one
 * core subscription) and its chunker steps (one ordered consumer), every
 * job's progress (one core subscription, for WatchEvents' lists), and the
 * workers' presence (one ordered consumer). A source runs while someone
 * listens.
 */
@Injectable()
export class GatewayFeeds {
  readonly events: SharedFeed<StreamMessage>;
  readonly workers: SharedFeed<StreamMessage>;
  /** Every job's JobProgress messages, as published (one core subscription on `…telemetry.job.*.progress`). */
  readonly allProgress: SharedFeed<ProgressMessage>;
  private readonly progressFeeds = new Map<string, SharedFeed<ProgressMessage>>();
  private readonly chunkFeeds = new Map<string, SharedFeed<StreamMessage>>();
  private readonly segmentFeeds = new Map<string, SharedFeed<SegmentReportMessage>>();

  constructor(
    private readonly repository: StreamFeedRepository,
    private readonly names: StreamNames,
  ) {
    this.events = this.following('events', names.events, names.allEvents());
    this.workers = this.following('workers', names.telemetry, names.telemetrySubject('worker', '*'));
    this.allProgress = new SharedFeed<ProgressMessage>('progress *', async (emit) =>
      this.repository.subscribe(this.names.jobProgressSubject('*'), (data) => emit({ data })),
    );
  }

  /** One job's JobProgress messages, as published. */
  progress(jobId: string): SharedFeed<ProgressMessage> {
    return this.subscribed(this.progressFeeds, jobId, `progress ${jobId}`, this.names.jobProgressSubject(jobId), (data) => ({ data }));
  }

  /** One job's `mpr.telemetry.chunker.<jobId>.>` messages. */
  chunkSteps(jobId: string): SharedFeed<StreamMessage> {
    return this.keyed(this.chunkFeeds, jobId, () =>
      this.following(`chunker ${jobId}`, this.names.telemetry, this.names.telemetrySubject('chunker', jobId, '>'), () => this.chunkFeeds.delete(jobId)),
    );
  }

  /** One job's segment reports (every attempt), as the chunker's workers publish them. */
  segmentReports(jobId: string): SharedFeed<SegmentReportMessage> {
    return this.subscribed(this.segmentFeeds, jobId, `segments ${jobId}`, segmentReportSubject(this.names, jobId, '*'), (data, subject) => ({ data, subject }));
  }

  /** Live sources running now (for tests and /metrics-minded readers). */
  get running(): number {
    return [this.events, this.workers, this.allProgress, ...this.progressFeeds.values(), ...this.chunkFeeds.values(), ...this.segmentFeeds.values()].filter(
      (f) => f.listenerCount > 0,
    ).length;
  }

  private following(name: string, stream: string, filter: string, onEmpty?: () => void): SharedFeed<StreamMessage> {
    return new SharedFeed<StreamMessage>(
      name,
      async (emit, fail) => this.repository.follow(stream, filter, await this.repository.lastSequence(stream), emit, fail),
      onEmpty,
    );
  }

  /** A core NATS subscription per key (a job), shared while someone listens. */
  private subscribed<T>(
    feeds: Map<string, SharedFeed<T>>,
    key: string,
    name: string,
    subject: string,
    toItem: (data: string, subject: string) => T,
  ): SharedFeed<T> {
    return this.keyed(
      feeds,
      key,
      () =>
        new SharedFeed<T>(
          name,
          async (emit) => this.repository.subscribe(subject, (data, on) => emit(toItem(data, on))),
          () => feeds.delete(key),
        ),
    );
  }

  private keyed<T>(feeds: Map<string, SharedFeed<T>>, key: string, make: () => SharedFeed<T>): SharedFeed<T> {
    let feed = feeds.get(key);
    if (!feed) {
      feed = make();
      feeds.set(key, feed);
    }
    return feed;
  }
}
