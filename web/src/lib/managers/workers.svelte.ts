import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { WatchWorkersResponse, WorkerPresence } from '@mpr/contracts/gateway_pb';
import type { GatewayClient } from '../gateway/gateway-client';
import { LiveStream, type LiveStreams } from './live-stream.svelte';

/** A worker as the System view lists it: its presence, with times as milliseconds. */
export interface LiveWorker {
  workerId: string;
  kind: string;
  replicaId: string;
  /** Empty while idle. */
  jobId: string;
  attempt: number;
  segmentIndex: number | undefined;
  audio: boolean;
  speed: number;
  heartbeatAt: number;
  expiresAt: number;
}

function toLiveWorker(presence: WorkerPresence): LiveWorker {
  return {
    workerId: presence.workerId,
    kind: presence.kind,
    replicaId: presence.replicaId,
    jobId: presence.jobId,
    attempt: presence.attempt,
    segmentIndex: presence.segmentIndex,
    audio: presence.audio,
    speed: presence.speed,
    heartbeatAt: presence.heartbeatAt ? timestampMs(presence.heartbeatAt) : 0,
    expiresAt: presence.expiresAt ? timestampMs(presence.expiresAt) : 0,
  };
}

function without(workers: Record<string, LiveWorker>, workerId: string): Record<string, LiveWorker> {
  return Object.fromEntries(Object.entries(workers).filter(([id]) => id !== workerId));
}

/**
 * Every transcoder and chunker worker alive, live from the gateway's
 * WatchWorkers: each presence replaces the worker's last one, `gone` (or a
 * presence saying it is leaving) removes it. A reconnect starts from an
 * empty list, since the stream begins with every worker alive: a worker
 * that left while the stream was down is not kept.
 */
export class WorkersWatch {
  #workers = $state<Record<string, LiveWorker>>({});
  #opens = 0;
  readonly stream: LiveStream<WatchWorkersResponse>;

  constructor(gateway: GatewayClient, streams: LiveStreams, onUnauthenticated: () => void) {
    this.stream = new LiveStream(
      'workers',
      streams,
      (signal) => {
        this.#workers = {};
        return gateway.watchWorkers({}, { signal });
      },
      (message) => this.#receive(message),
      onUnauthenticated,
    );
  }

  /** Transcoders first, then chunkers; by replica, then worker. */
  get workers(): LiveWorker[] {
    const kindOrder = (w: LiveWorker) => (w.kind === 'transcoder' ? 0 : 1);
    return Object.values(this.#workers).sort(
      (a, b) => kindOrder(a) - kindOrder(b) || a.replicaId.localeCompare(b.replicaId) || a.workerId.localeCompare(b.workerId, undefined, { numeric: true }),
    );
  }

  get busy(): number {
    return this.workers.filter((w) => w.jobId).length;
  }

  /** Follows the workers while someone looks; the returned function stops (the last one to stop closes the stream). */
  open(): () => void {
    this.#opens++;
    this.stream.start();
    return () => {
      if (--this.#opens === 0) this.stream.stop();
    };
  }

  #receive(message: WatchWorkersResponse): void {
    const { kind } = message;
    if (kind.case === 'worker' && !kind.value.leaving) this.#workers = { ...this.#workers, [kind.value.workerId]: toLiveWorker(kind.value) };
    else if (kind.case === 'worker' || kind.case === 'gone') this.#workers = without(this.#workers, kind.value.workerId);
  }
}
