import { constants as h2, Http2ServerRequest } from 'node:http2';
import { createContextKey, createContextValues, type ContextValues, type HandlerContext } from '@connectrpc/connect';
import type { ConnectNodeAdapterOptions } from '@connectrpc/connect-node';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { toWireError } from '../gateway.errors';
import { GatewayMetrics } from '../gateway.metrics';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../gateway.settings';
import { BrokerStatus } from './broker-status';

type NodeServerRequest = Parameters<NonNullable<ConnectNodeAdapterOptions['contextValues']>>[0];

/** What the stall watch sees of a running stream. */
interface TrackedCall {
  readonly rpc: string;
  /** When the transport got the last message while it has not asked for the next yet (0: it is waiting for one). */
  readonly handedOutAt: number;
  drop(): void;
}

/** Cuts one call's transport: the only way to end a response whose writes are blocked by a reader that does not read. */
const DROP_TRANSPORT = createContextKey<() => void>(() => undefined, { description: 'drops the call transport' });

/**
 * For connect-node's `contextValues`: how to cut this request's transport.
 * HTTP/2 resets the stream with ENHANCE_YOUR_CALM (a control frame, not held
 * back by the blocked flow-control window; gRPC and Connect clients read it
 * as resource_exhausted); HTTP/1.1 can only close the connection.
 */
export function callTransport(req: NodeServerRequest): ContextValues {
  const drop = req instanceof Http2ServerRequest ? () => req.stream.close(h2.NGHTTP2_ENHANCE_YOUR_CALM) : () => req.socket.destroy();
  return createContextValues().set(DROP_TRANSPORT, drop);
}

/**
 * Every running RPC stream as connect-node pulls it. The service's generator
 * is wrapped in a plain iterator — no extra generator on the path of every
 * message — that checks the broker before the stream starts and maps errors
 * to the wire (an unexpected cause is logged here and never sent). A stream
 * whose transport was handed a message and has not asked for the next one for
 * MPR_GATEWAY_STALL_SECONDS has a reader that stopped reading (connect-node
 * asks once the last write drained): its transport is cut and its generator
 * closed, which releases everything it held.
 */
@Injectable()
export class RpcCalls implements OnModuleDestroy {
  private readonly logger = new Logger('Gateway');
  private readonly calls = new Set<TrackedCall>();
  private readonly ticker: NodeJS.Timeout;

  constructor(
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
    private readonly broker: BrokerStatus,
    private readonly metrics: GatewayMetrics,
  ) {
    // One clock for all streams; a quarter of the limit keeps a drop within 1.25 × of it.
    this.ticker = setInterval(() => this.dropStalled(), Math.max(50, settings.stallMs / 4));
    this.ticker.unref();
  }

  /** The stream connect-node pulls for one call of `rpc`; `open` starts the service's generator at the first pull. */
  serve<T>(rpc: string, ctx: HandlerContext, open: () => AsyncGenerator<T>): AsyncIterable<T> {
    return new OutgoingCall<T>(rpc, open, ctx.values.get(DROP_TRANSPORT), this);
  }

  /** Streams running now. */
  get running(): number {
    return this.calls.size;
  }

  started(call: TrackedCall): void {
    this.broker.assertUp();
    this.calls.add(call);
  }

  ended(call: TrackedCall): void {
    this.calls.delete(call);
  }

  wireError(rpc: string, err: unknown): Error {
    const wire = toWireError(err);
    if (wire !== err) this.logger.error(`${rpc}: ${(err as Error).stack ?? String(err)}`);
    return wire;
  }

  onModuleDestroy(): void {
    clearInterval(this.ticker);
  }

  private dropStalled(): void {
    const before = Date.now() - this.settings.stallMs;
    for (const call of this.calls) {
      if (call.handedOutAt === 0 || call.handedOutAt > before) continue;
      this.logger.warn(`${call.rpc}: the reader took nothing for ${this.settings.stallMs / 1000} s; its stream is cut`);
      this.metrics.stalledCut.inc({ rpc: call.rpc });
      call.drop();
    }
  }
}

class OutgoingCall<T> implements AsyncIterableIterator<T>, TrackedCall {
  handedOutAt = 0;
  private source: AsyncGenerator<T> | undefined;
  private dropped = false;

  constructor(
    readonly rpc: string,
    private readonly open: () => AsyncGenerator<T>,
    private readonly dropTransport: () => void,
    private readonly calls: RpcCalls,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    this.handedOutAt = 0;
    if (this.dropped) return Promise.resolve({ done: true, value: undefined });
    try {
      if (!this.source) {
        this.calls.started(this);
        this.source = this.open();
      }
    } catch (err) {
      return this.failed(err);
    }
    return this.source.next().then(this.handedOut, this.failed);
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    this.calls.ended(this);
    return this.source ? this.source.return(value as T) : Promise.resolve({ done: true, value: undefined });
  }

  throw(err: unknown): Promise<IteratorResult<T>> {
    this.calls.ended(this);
    return this.source ? this.source.throw(err).then(this.handedOut, this.failed) : this.failed(err);
  }

  /** Cuts the transport and closes the generator, which is parked at a yield (its last message is in a blocked write). */
  drop(): void {
    this.dropped = true;
    this.handedOutAt = 0;
    this.calls.ended(this);
    this.dropTransport();
    void this.source?.return(undefined).catch(() => undefined);
  }

  private readonly handedOut = (result: IteratorResult<T>): IteratorResult<T> => {
    if (result.done) this.calls.ended(this);
    else this.handedOutAt = Date.now();
    return result;
  };

  private readonly failed = (err: unknown): Promise<never> => {
    this.calls.ended(this);
    return Promise.reject(this.calls.wireError(this.rpc, err));
  };
}
