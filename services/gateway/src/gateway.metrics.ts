import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsRegistry } from '@mpr/core';

/** What the gauges read when /metrics is scraped: the running gateway's own counts, given once it is mounted. */
export interface GatewayGaugeSources {
  streams(): number;
  liveFeeds(): number;
  unsentBytes(): number;
}

/**
 * The gateway's series on /metrics. The gauges say what its streams hold
 * now, so an operator (and a test) sees a client that went away release its
 * stream and feeds, and a reader that stopped reading hold no more than one
 * write's worth of bytes.
 */
@Injectable()
export class GatewayMetrics {
  /** Streams cut because their reader took nothing for MPR_GATEWAY_STALL_SECONDS. */
  readonly stalledCut: Counter<'rpc'>;
  /** Streams ended with resource_exhausted because their reader fell MPR_GATEWAY_STREAM_BUFFER messages behind. */
  readonly overflowed: Counter;
  private sources: GatewayGaugeSources | undefined;

  constructor(registry: MetricsRegistry) {
    this.stalledCut = registry.counter('mpr_gateway_stalled_streams_cut_total', 'Streams whose reader took nothing for MPR_GATEWAY_STALL_SECONDS, cut.', [
      'rpc',
    ]);
    this.overflowed = registry.counter(
      'mpr_gateway_streams_overflowed_total',
      'Streams ended with resource_exhausted: their reader fell MPR_GATEWAY_STREAM_BUFFER messages behind.',
    );
    const current = () => this.sources;
    const gauge = (name: string, help: string, pick: (sources: GatewayGaugeSources) => number) => {
      registry.gauge(name, help, [], function () {
        const sources = current();
        this.set(sources ? pick(sources) : 0);
      });
    };
    gauge('mpr_gateway_streams', 'RPC streams running now.', (s) => s.streams());
    gauge('mpr_gateway_live_feeds', 'Shared live sources (NATS subscriptions and consumers) running now.', (s) => s.liveFeeds());
    gauge(
      'mpr_gateway_unsent_bytes',
      "Bytes the gateway's connections (their sockets and HTTP/2 streams) hold that the kernel has not taken yet: what readers that stopped reading cost in Node.",
      (s) => s.unsentBytes(),
    );
  }

  observe(sources: GatewayGaugeSources): void {
    this.sources = sources;
  }
}
