import { setMaxListeners } from 'node:events';
import { Injectable, Logger } from '@nestjs/common';
import { brokerUnavailable } from '../gateway.errors';
import { StreamFeedRepository } from '../stream-feed.repository';

/**
 * Whether the gateway's NATS connection is up. Losing it aborts `lost`, so
 * every running stream ends with UNAVAILABLE at once instead of hanging on a
 * feed that went quiet (its ordered consumers and subscriptions would
 * otherwise wait out the outage silently); while it is down a new call is
 * refused the same way before it waits on a request. Back up, calls are
 * served again and clients resume from the last sequence they received.
 */
@Injectable()
export class BrokerStatus {
  private readonly logger = new Logger('Broker');
  private lostController = BrokerStatus.controller();
  private up = true;

  constructor(repository: StreamFeedRepository) {
    repository.watchConnection((up) => (up ? this.regained() : this.lostConnection()));
  }

  /** Aborted when the connection is lost; a new one for the streams opened after it came back. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  assertUp(): void {
    if (!this.up) throw brokerUnavailable();
  }

  private lostConnection(): void {
    if (!this.up) return;
    this.up = false;
    this.logger.warn('NATS connection lost: ending every stream with unavailable');
    this.lostController.abort();
  }

  private regained(): void {
    this.up = true;
    this.lostController = BrokerStatus.controller();
    this.logger.log('NATS connection back: serving streams again');
  }

  private static controller(): AbortController {
    const controller = new AbortController();
    // Every open stream listens for the loss: thousands of listeners are expected, not a leak.
    setMaxListeners(0, controller.signal);
    return controller;
  }
}
