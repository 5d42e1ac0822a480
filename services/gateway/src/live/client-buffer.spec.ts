import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { ClientBuffer, IDLE } from './client-buffer';

describe('ClientBuffer', () => {
  it('hands items over in order, IDLE when nothing came within the wait', async () => {
    const buffer = new ClientBuffer<number>(4, new AbortController().signal);
    buffer.push(1);
    buffer.push(2);
    assert.equal(await buffer.next(1_000), 1);
    assert.equal(await buffer.next(1_000), 2);
    assert.equal(await buffer.next(5), IDLE);
  });

  it('a wait after items moved the timer still lasts the whole idle time (one timer per stream, set again when it fires early)', async () => {
    const buffer = new ClientBuffer<number>(4, new AbortController().signal);
    const first = buffer.next(30);
    setImmediate(() => buffer.push(1));
    assert.equal(await first, 1);
    const started = performance.now();
    // The timer armed for the first wait fires first; it must not end this one early.
    assert.equal(await buffer.next(80), IDLE);
    assert.ok(performance.now() - started >= 75, `IDLE after ${performance.now() - started} ms`);
    buffer.dispose();
  });

  it('ends a reader that falls behind its capacity with resource_exhausted, and holds nothing more', async () => {
    let overflows = 0;
    const buffer = new ClientBuffer<number>(3, new AbortController().signal, () => overflows++);
    for (let i = 0; i < 10; i++) buffer.push(i);
    assert.equal(buffer.length, 0);
    assert.equal(overflows, 1);
    await assert.rejects(
      buffer.next(1_000),
      (err: unknown) =>
        err instanceof ConnectError &&
        err.code === Code.ResourceExhausted &&
        err.rawMessage === 'the reader fell 3 messages behind and the stream was ended: call again from the last sequence received + 1',
    );
  });

  it('wakes a waiting reader with undefined once its call is aborted', async () => {
    const controller = new AbortController();
    const buffer = new ClientBuffer<number>(3, controller.signal);
    const next = buffer.next(60_000);
    controller.abort();
    assert.equal(await next, undefined);
  });

  it('gives the items before a failure first, then throws it', async () => {
    const buffer = new ClientBuffer<number>(3, new AbortController().signal);
    buffer.push(7);
    buffer.fail(new ConnectError('the broker is unavailable', Code.Unavailable));
    assert.equal(await buffer.next(1_000), 7);
    await assert.rejects(buffer.next(1_000), (err: unknown) => err instanceof ConnectError && err.code === Code.Unavailable);
  });
});
