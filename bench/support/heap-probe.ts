/**
 * Preloaded into a service by a benchmark (`node --expose-gc --require
 * dist/bench/support/heap-probe.js`), never by the service itself: on SIGUSR2
 * it collects garbage and prints one JSON line with the process's memory, so
 * the benchmark reads the heap that is still reachable (what a leak grows),
 * apart from the garbage RSS holds between collections. Bench-only: no
 * endpoint of the service can force a GC.
 */
import { getHeapStatistics } from 'node:v8';

export const HEAP_PROBE_LEVEL = 'heap-probe';

export interface HeapSample {
  /** Which SIGUSR2 this answers (1, 2, …). */
  n: number;
  rssMb: number;
  /** V8's heap in use after the collection. */
  heapUsedMb: number;
  /** Memory outside V8's heap that it tracks (Buffers, …). */
  externalMb: number;
}

const MB = 1024 * 1024;
let answered = 0;

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: the first collection's finalizers (WeakRefs, FinalizationRegistry) free more for the second.
  gc?.();
  gc?.();
  const { rss, external } = process.memoryUsage();
  const sample: HeapSample = { n: ++answered, rssMb: rss / MB, heapUsedMb: getHeapStatistics().used_heap_size / MB, externalMb: external / MB };
  // One line in the shape of the service's JSON log, so ServiceProcess collects it with the rest.
  process.stdout.write(`${JSON.stringify({ level: HEAP_PROBE_LEVEL, message: JSON.stringify(sample) })}\n`);
});
