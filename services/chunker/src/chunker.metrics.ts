import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '@mpr/core';

@Injectable()
export class ChunkerMetrics {
  /** Chunk-job items handled by this replica's coordinator, by outcome. */
  readonly jobs: Counter<'outcome'>;
  /** Segment deliveries handled by this replica's workers, by outcome (done, failed, cancelled, dropped). */
  readonly segments: Counter<'outcome'>;
  readonly segmentDuration: Histogram;
  readonly runningSegments: Gauge;

  constructor(metrics: MetricsRegistry) {
    this.jobs = metrics.counter<'outcome'>('mpr_chunk_jobs_total', 'Chunked job attempts coordinated here, by outcome', ['outcome']);
    this.segments = metrics.counter<'outcome'>('mpr_chunk_segments_total', 'Segment work items handled here, by outcome', ['outcome']);
    this.segmentDuration = metrics.histogram('mpr_chunk_segment_seconds', 'Wall-clock time of one segment encode', [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]);
    this.runningSegments = metrics.gauge('mpr_chunk_segments_running', 'Segment encodes this replica runs now');
  }
}
