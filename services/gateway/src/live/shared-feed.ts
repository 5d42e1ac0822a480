import type { ConnectError } from '@connectrpc/connect';
import { Logger } from '@nestjs/common';
import { brokerUnavailable } from '../gateway.errors';

/** A running source: the one NATS subscription (or consumer) behind a feed. */
export interface FeedSource {
  stop(): Promise<void>;
}

/** Starts a source that hands every message to `emit` and reports a broken source to `fail`. */
export type StartSource<T> = (emit: (item: T) => void, fail: (err: Error) => void) => Promise<FeedSource>;

interface Listener<T> {
  push(item: T): void;
  fail(error: ConnectError): void;
}

/**
 * One live source shared by every stream that wants it: started by the first
 * listener, fanned out in process, stopped (its subscription or consumer
 * released) when the last listener leaves. A source that breaks ends every
 * listener with UNAVAILABLE; the next listener starts it afresh.
 */
export class SharedFeed<T> {
  private readonly listeners = new Set<Listener<T>>();
  private source: Promise<FeedSource> | undefined;
  private readonly logger: Logger;

  constructor(
    readonly name: string,
    private readonly start: StartSource<T>,
    private readonly onEmpty: () => void = () => undefined,
  ) {
    this.logger = new Logger(`Feed ${name}`);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Adds a listener once the source runs; returns the function that removes it. */
  async attach(listener: Listener<T>): Promise<() => void> {
    this.listeners.add(listener);
    const detach = () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      const source = this.source;
      this.source = undefined;
      this.onEmpty();
      void source?.then((s) => s.stop()).catch(() => undefined);
    };
    try {
      this.source ??= this.start(
        (item) => {
          for (const l of this.listeners) l.push(item);
        },
        (err) => this.broken(err),
      );
      await this.source;
    } catch (err) {
      detach();
      this.source = undefined;
      throw err;
    }
    return detach;
  }

  private broken(err: Error): void {
    this.logger.warn(`live source broke: ${err.message}`);
    const source = this.source;
    this.source = undefined;
    void source?.then((s) => s.stop()).catch(() => undefined);
    for (const l of this.listeners) l.fail(brokerUnavailable());
  }
}
