import { Code, ConnectError } from '@connectrpc/connect';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

/** Waits between attempts to reopen a dropped stream: quick at first, at most a few seconds. */
const BACKOFF_MS = [250, 500, 1_000, 2_000, 4_000];

/** Every stream the page holds, so one banner can say when any of them is reconnecting. */
export class LiveStreams {
  #streams = $state<LiveStream<unknown>[]>([]);

  /** The streams reconnecting now, by name (the banner lists them). */
  get reconnecting(): string[] {
    return this.#streams.filter((s) => s.state === 'reconnecting').map((s) => s.name);
  }

  /** Why the last of them dropped. */
  get lastError(): string | null {
    return this.#streams.find((s) => s.state === 'reconnecting')?.error ?? null;
  }

  add(stream: LiveStream<unknown>): void {
    this.#streams = [...this.#streams, stream];
  }

  remove(stream: LiveStream<unknown>): void {
    this.#streams = this.#streams.filter((s) => s !== stream);
  }
}

/**
 * One server stream kept open while someone needs it. `open` is called for
 * every (re)connection, so its owner passes the position it resumes from
 * (`from_sequence = last + 1`); each message goes to `onMessage` in order.
 * A drop — the gateway restarted, the network went away, the API's
 * forwarding cut — reopens it after a short backoff; an UNAUTHENTICATED
 * answer stops it and tells the session. The first message after a
 * (re)connect makes it live (the gateway sends a heartbeat once a replay is
 * done, so an idle stream is live at once).
 */
export class LiveStream<T> {
  #state = $state<LiveState>('stopped');
  #error = $state<string | null>(null);
  #controller: AbortController | undefined;

  constructor(
    readonly name: string,
    private readonly registry: LiveStreams,
    private readonly open: (signal: AbortSignal) => AsyncIterable<T>,
    private readonly onMessage: (message: T) => void,
    private readonly onUnauthenticated: () => void,
  ) {}

  get state(): LiveState {
    return this.#state;
  }

  /** Why it last dropped; null while live. */
  get error(): string | null {
    return this.#error;
  }

  start(): void {
    if (this.#controller) return;
    const controller = new AbortController();
    this.#controller = controller;
    this.#state = 'connecting';
    this.registry.add(this as LiveStream<unknown>);
    void this.#run(controller.signal);
  }

  stop(): void {
    this.#controller?.abort();
    this.#controller = undefined;
    this.#state = 'stopped';
    this.registry.remove(this as LiveStream<unknown>);
  }

  async #run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        for await (const message of this.open(signal)) {
          if (this.#state !== 'live') {
            this.#state = 'live';
            this.#error = null;
            failures = 0;
          }
          this.onMessage(message);
        }
        if (signal.aborted) return;
        this.#dropped('the stream ended');
      } catch (err) {
        if (signal.aborted) return;
        const error = ConnectError.from(err);
        if (error.code === Code.Unauthenticated) {
          this.stop();
          this.onUnauthenticated();
          return;
        }
        this.#dropped(error.rawMessage || error.message);
      }
      await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[Math.min(failures++, BACKOFF_MS.length - 1)]));
    }
  }

  #dropped(reason: string): void {
    this.#state = 'reconnecting';
    this.#error = reason;
  }
}
