/**
 * bench/live-latency: time from a progress message published on NATS to its
 * arrival at 1, 200 and 1,000 concurrent WatchJob streams, over Connect
 * (HTTP/1.1, JSON) and over gRPC (HTTP/2): p50 / p99 / max, the gateway's
 * CPU seconds per 1,000 deliveries and its peak RSS. The gateway runs as its
 * own process (`node dist/services/gateway/main.js`); the clients share this
 * one, on the same 2 cores. Prints figures only; asserts nothing.
 * Each case runs with two clients (`--clients`): connect-node's, whose
 * per-message pipeline in one process for all streams adds its own
 * queueing, and the arrival client (bench/support/arrival-client), which
 * takes the time when a message's bytes arrive — closer to many browsers
 * with a process each.
 *
 * Also per message its fan-out (until its last stream has it): the median,
 * and how many took over 50 ms. With 200 streams a message is 200 of the
 * deliveries, so p99 is the worst message or two: one stall of a shared
 * machine moves it, where the fan-out median shows the usual cost.
 * A stream the gateway ends early (its reader, this process, fell too far
 * behind) is counted by code and printed, not fatal.
 * Memory, per run: RSS when the streams are live and after the last
 * delivery, and the gateway's V8 heap in use after a forced full GC (what
 * is still reachable, which a leak grows; RSS also holds garbage not yet
 * collected) when the streams are live, after the last delivery and once
 * every stream of the run is released. `--heap-every N` also samples it
 * after every N messages, so a long run (`--messages 240`: a minute) shows
 * as numbers whether memory stays flat; each of those samples stops the
 * gateway for its GC, so those runs' latencies are not the figures to quote.
 * The samples come from bench/support/heap-probe (preloaded into the gateway
 * with --expose-gc; the service itself has no way to force a GC);
 * `--heap-snapshots DIR` has it write a heap snapshot with each sample.
 *
 * `--priority N` sets the gateway's and this process's scheduling priority
 * (nice N; below 0 needs root): on a shared machine it shows what the
 * gateway does when it gets the CPU it asks for, apart from the machine's
 * share. `--cpu-prof DIR` runs the gateway with `node --cpu-prof`: its profile
 * (written when it stops) lands in DIR, for Chrome DevTools or speedscope.
 * `--gateway 'none|--max-semi-space-size=32|MPR_GATEWAY_HEARTBEAT_SECONDS=0.3'`
 * runs every case against a gateway per variant (node flags, environment
 * variables), `--rounds N` times in turn. The gateway's heartbeat is the
 * service's default (15 s) unless a variant sets it: the test harness's
 * 0.3 s would send heartbeats between the 250 ms messages whenever the
 * publisher runs late, deliveries the figures do not count.
 *
 *   npm run bench -- live-latency [--messages 20] [--interval-ms 250] [--streams 1,200,1000] [--protocols connect-json,grpc] [--heap-every 30] [--heap-snapshots DIR] [--clients connect-node,arrival] [--gateway 'none|--max-semi-space-size=32'] [--rounds 1] [--priority -10] [--cpu-prof DIR]
 */
import { setMaxListeners } from 'node:events';
import { Code, ConnectError } from '@connectrpc/connect';
import { loadavg, setPriority } from 'node:os';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GatewayWorld, type ProtocolName } from '../test/e2e/gateway-harness';
import { waitFor } from '@mpr/core/testing/wait-for';
import { option, options } from './support/bench.support';
import { ArrivalClients, type OnProgress } from './support/arrival-client';
import { HEAP_PROBE_LEVEL, type HeapSample } from './support/heap-probe';

const MESSAGES = option('messages', 20);
// The chunker's coordinator publishes a job's progress every 250 ms: one job's live rate.
const INTERVAL_MS = option('interval-ms', 250);
const STREAMS = options('streams', ['1', '200', '1000']).map(Number);
const PROTOCOLS = options('protocols', ['connect-json', 'grpc']) as ProtocolName[];
const CPU_PROF_DIR = process.argv.includes('--cpu-prof') ? resolve(process.argv[process.argv.indexOf('--cpu-prof') + 1]) : undefined;
/** connect-node: its client, one per protocol for all streams (a browser's Connect-Web is the same pipeline); arrival: bench/support/arrival-client. */
type ClientKind = 'connect-node' | 'arrival';
const CLIENTS = options('clients', ['connect-node', 'arrival']) as ClientKind[];
/**
 * Gateway variants, `|` between them ('none': as configured): each a list
 * of node flags (`--…`) and environment variables (`NAME=value`). Each
 * variant gets a gateway of its own, in turn, `--rounds` times, so variants
 * compare within the same minutes of a shared machine.
 */
const VARIANTS = (process.argv.includes('--gateway') ? process.argv[process.argv.indexOf('--gateway') + 1] : 'none').split('|').map((variant) => {
  const words = variant.split(' ').filter((word) => word !== '' && word !== 'none');
  const env = Object.fromEntries(words.filter((w) => !w.startsWith('--')).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { label: words.join(' ') || 'none', flags: words.filter((w) => w.startsWith('--')), env };
});
const ROUNDS = option('rounds', 1);
const HEAP_EVERY = option('heap-every', 0);
const HEAP_SNAPSHOTS = process.argv.includes('--heap-snapshots') ? resolve(process.argv[process.argv.indexOf('--heap-snapshots') + 1]) : undefined;
const PRIORITY = process.argv.includes('--priority') ? option('priority', 0) : undefined;
const CLK_TCK = 100;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime
}

function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

/** The gateway's memory after a full GC, from the heap probe preloaded into it. */
async function heapSample(world: GatewayWorld): Promise<HeapSample> {
  const samples = () => world.gateway.logs.filter((l) => l.level === HEAP_PROBE_LEVEL).map((l) => JSON.parse(l.message) as HeapSample);
  const asked = (samples().at(-1)?.n ?? 0) + 1;
  process.kill(world.gateway.pid, 'SIGUSR2');
  const answer = await waitFor('the heap probe to answer', () => samples().find((s) => s.n === asked), { timeoutMs: 30_000 });
  return answer as HeapSample;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Opens one WatchJob stream with the run's kind of client; `onProgress` gets
 * each progress message's etaSeconds and when it arrived.
 */
type OpenStream = (jobId: string, signal: AbortSignal, onProgress: OnProgress) => Promise<void>;

function streamOpener(world: GatewayWorld, protocol: ProtocolName, client: ClientKind): { open: OpenStream; close: () => void } {
  if (client === 'arrival') {
    if (protocol !== 'connect-json' && protocol !== 'grpc') throw new Error(`the arrival client speaks connect-json and grpc, not ${protocol}`);
    const clients = new ArrivalClients(world.url, protocol);
    return { open: (jobId, signal, onProgress) => clients.watchJob(jobId, signal, onProgress), close: () => clients.close() };
  }
  const rpc = world.client(protocol);
  const open: OpenStream = async (jobId, signal, onProgress) => {
    for await (const item of rpc.watchJob({ jobId }, { signal })) {
      if (item.kind.case === 'progress') onProgress(item.kind.value.etaSeconds, performance.now());
    }
  };
  return { open, close: () => undefined };
}

async function run(world: GatewayWorld, protocol: ProtocolName, client: ClientKind, streams: number): Promise<void> {
  const { jobId } = await world.createJob();
  const opener = streamOpener(world, protocol, client);
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // one listener per call
  const publishedAt = new Map<number, number>();
  const latencies: number[] = [];
  /** Per message, when its last stream got it: the whole fan-out, which a single stall of the machine moves as one. */
  const fanOut = new Map<number, number>();
  const ready = new Set<number>();
  /** Streams the gateway ended before the run did (a reader too far behind: resource_exhausted, or cut after MPR_GATEWAY_STALL_SECONDS), by code. */
  const ended = new Map<string, number>();
  const received = new Array<number>(streams).fill(0);
  const calls = Array.from({ length: streams }, async (_, n) => {
    try {
      await opener.open(jobId, controller.signal, (eta, arrivedAt) => {
        const sent = publishedAt.get(eta);
        if (sent === undefined) ready.add(n);
        else {
          const latency = arrivedAt - sent;
          latencies.push(latency);
          received[n]++;
          fanOut.set(eta, Math.max(latency, fanOut.get(eta) ?? 0));
        }
      });
    } catch (err) {
      if (controller.signal.aborted) return;
      // Counted and printed, not fatal: on an overloaded machine the clients themselves fall behind.
      const code = Code[ConnectError.from(err).code];
      ended.set(code, (ended.get(code) ?? 0) + 1);
      received[n] = MESSAGES;
      ready.add(n);
    }
  });
  await world.publishProgress({ jobId, attempt: 1, percent: 1, etaSeconds: -1 });
  await waitFor(`${streams} streams to be live`, () => ready.size, { done: (n) => n === streams, timeoutMs: 120_000 });
  const pid = world.gateway.pid;
  const heap: Array<[string, HeapSample]> = [['live', await heapSample(world)]];
  const rssLive = rssMb(pid);
  const cpuBefore = cpuSeconds(pid);
  const clientBefore = process.cpuUsage();
  for (let i = 1; i <= MESSAGES; i++) {
    publishedAt.set(i, performance.now());
    await world.publishProgress({ jobId, attempt: 1, percent: 2, etaSeconds: i });
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    if (HEAP_EVERY > 0 && i % HEAP_EVERY === 0 && i < MESSAGES) heap.push([String(i), await heapSample(world)]);
  }
  await waitFor('every delivery to every stream still open', () => received.every((n) => n >= MESSAGES), { timeoutMs: 120_000 });
  const cpu = cpuSeconds(pid) - cpuBefore;
  const clientUsage = process.cpuUsage(clientBefore);
  const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
  const rss = rssMb(pid);
  heap.push(['end', await heapSample(world)]);
  const gcMs = heap[heap.length - 1][1].gcMs - heap[0][1].gcMs;
  controller.abort();
  await Promise.all(calls);
  opener.close();
  await waitFor('the gateway to release every stream', () => world.held(), {
    done: (h) => h.streams === 0 && h.feeds === 0,
    timeoutMs: 60_000,
    describe: JSON.stringify,
  });
  heap.push(['released', await heapSample(world)]);
  const sorted = latencies.sort((a, b) => a - b);
  const fanOuts = [...fanOut.values()].sort((a, b) => a - b);
  console.log(
    `${`${protocol} ${client}`.padEnd(25)} ${String(streams).padStart(5)} streams: p50 ${percentile(sorted, 50).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms  ` +
      `max ${sorted.at(-1)?.toFixed(1)} ms  fan-out to all: median ${percentile(fanOuts, 50).toFixed(1)} ms, ${fanOuts.filter((f) => f > 50).length}/${fanOuts.length} messages > 50 ms  gateway CPU ${((cpu / latencies.length) * 1000).toFixed(3)} s/1000 deliveries (GC pauses ${((gcMs / latencies.length) * 1000).toFixed(0)} ms of it)  RSS ${rssLive.toFixed(0)} → ${rss.toFixed(0)} MB (peak ${peakRssMb(pid).toFixed(0)} MB)  clients' CPU ${clientCpu.toFixed(1)} s  load ${loadavg()[0].toFixed(1)}` +
      (ended.size > 0 ? `  ended early: ${[...ended].map(([code, count]) => `${count} ${code}`).join(', ')}` : ''),
  );
  const series = (pick: (s: HeapSample) => number) => heap.map(([at, s]) => `${at} ${pick(s).toFixed(1)}`).join(', ');
  console.log(
    `${''.padEnd(39)}after GC, MB (at: live, after message N, end, released): heap used ${series((s) => s.heapUsedMb)}; RSS ${series((s) => s.rssMb)}`,
  );
}

async function main(): Promise<void> {
  const heapProbe = ['--expose-gc', '--require', join(__dirname, 'support', 'heap-probe.js')];
  const cpuProf = CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [];
  // The machine may be shared: its load says how much of the two cores the gateway could have had.
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `live-latency: ${MESSAGES} progress messages ${INTERVAL_MS} ms apart per run; Connect = HTTP/1.1 JSON, gRPC = HTTP/2; load average ${load()}${PRIORITY === undefined ? '' : `; gateway and clients at nice ${PRIORITY}`}`,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of VARIANTS) {
      if (ROUNDS > 1 || VARIANTS.length > 1) console.log(`round ${round}, gateway: ${variant.label}`);
      const probeEnv: Record<string, string> = HEAP_SNAPSHOTS ? { MPR_HEAP_PROBE_SNAPSHOTS: HEAP_SNAPSHOTS } : {};
      const world = await GatewayWorld.start(
        { MPR_LOG_LEVEL: 'warn', MPR_GATEWAY_HEARTBEAT_SECONDS: '15', ...probeEnv, ...variant.env },
        { nodeArgs: [...heapProbe, ...variant.flags, ...cpuProf] },
      );
      try {
        if (PRIORITY !== undefined) {
          setPriority(world.gateway.pid, PRIORITY);
          setPriority(PRIORITY);
        }
        for (const protocol of PROTOCOLS) {
          for (const streams of STREAMS) {
            for (const client of CLIENTS) await run(world, protocol, client, streams);
          }
        }
      } finally {
        await world.stop();
      }
    }
  }
  console.log(`load average ${load()}`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
