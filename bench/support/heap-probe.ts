/**
 * Preloaded into a service by a benchmark (`node --expose-gc --require
 * dist/bench/support/heap-probe.js`), never by the service itself: on SIGUSR2
 * it collects garbage and prints one JSON line with the process's memory, so
 * the benchmark reads the heap that is still reachable (what a leak grows),
 * apart from the garbage RSS holds between collections. Bench-only: no
 * endpoint of the service can force a GC. With MPR_HEAP_PROBE_SNAPSHOTS=DIR
 * each answer also writes a heap snapshot there (`<n>.heapsnapshot`), to see
 * what a growing heap holds.
 */
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';

export const HEAP_PROBE_LEVEL = 'heap-probe';

export interface HeapSample {
  /** Which SIGUSR2 this answers (1, 2, …). */
  n: number;
  rssMb: number;
  /** V8's heap in use after the collection. */
  heapUsedMb: number;
  /** Memory outside V8's heap that it tracks (Buffers, …). */
  externalMb: number;
  /** Time spent in garbage collection since the process started, the probe's own collections excluded. */
  gcMs: number;
}

const MB = 1024 * 1024;
let answered = 0;
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const flags = (entry as PerformanceEntry & { detail?: { flags?: number } }).detail?.flags ?? 0;
    if (!(flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED)) gcMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: the first collection's finalizers (WeakRefs, FinalizationRegistry) free more for the second.
  gc?.();
  gc?.();
  const { rss, external } = process.memoryUsage();
  const snapshots = process.env.MPR_HEAP_PROBE_SNAPSHOTS;
  if (snapshots) writeHeapSnapshot(join(snapshots, `${answered + 1}.heapsnapshot`));
  const sample: HeapSample = { n: ++answered, rssMb: rss / MB, heapUsedMb: getHeapStatistics().used_heap_size / MB, externalMb: external / MB, gcMs };
  // One line in the shape of the service's JSON log, so ServiceProcess collects it with the rest.
  process.stdout.write(`${JSON.stringify({ level: HEAP_PROBE_LEVEL, message: JSON.stringify(sample) })}\n`);
});
