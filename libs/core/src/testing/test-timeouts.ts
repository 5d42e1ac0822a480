/**
 * Preloaded into every test file by `npm test` (`node --test --require …`):
 * gives each test and hook its own timeout unless it names one.
 *
 * Why a preload: on Node 20, `--test-timeout` bounds a *file* as a whole, and a
 * suite's `{ timeout }` bounds the suite, never the tests inside it, so
 * without this a test that hangs eats its whole file's budget. Patching the
 * `node:test` exports once here keeps the spec files free of a timeout on
 * every `it`; a test that needs longer says so with its own `{ timeout }`.
 * The compiled specs call `node_test_1.it(...)` at run time, so they see the
 * patched functions. The cost: Node records a test's location as its
 * caller's, this file; `npm test`'s reporter
 * (scripts/lib/located-spec-reporter.mjs) locates a failure at its error's
 * first frame in the spec instead.
 */
import type { TestOptions } from 'node:test';

/** Generous next to the slowest e2e (a chunked job under load takes ~60 s): a hang, not a slow run, trips it. */
export const DEFAULT_TEST_TIMEOUT_MS = Number(process.env.MPR_TEST_TIMEOUT_MS) || 180_000;
/** Hooks start and stop services, NATS streams and databases. */
export const DEFAULT_HOOK_TIMEOUT_MS = Number(process.env.MPR_HOOK_TIMEOUT_MS) || 120_000;

type Fn = (...args: unknown[]) => unknown;
type TestLike = Fn & { skip?: Fn; todo?: Fn; only?: Fn };

/** `test(name?, options?, fn?)` with `options.timeout` filled in when the caller gave none. */
export function withTestTimeout(original: Fn, timeoutMs: number): Fn {
  return function (this: unknown, ...args: unknown[]) {
    const name = typeof args[0] === 'string' ? [args.shift()] : [];
    const options = args[0] !== null && typeof args[0] === 'object' ? (args.shift() as TestOptions) : {};
    return original.call(this, ...name, { ...options, timeout: options.timeout ?? timeoutMs }, ...args);
  };
}

/** `before(fn?, options?)` likewise. */
export function withHookTimeout(original: Fn, timeoutMs: number): Fn {
  return function (this: unknown, fn?: unknown, options?: unknown) {
    const given = (options ?? {}) as { timeout?: number };
    return original.call(this, fn, { ...given, timeout: given.timeout ?? timeoutMs });
  };
}

function patchTest(original: TestLike): TestLike {
  const patched = withTestTimeout(original, DEFAULT_TEST_TIMEOUT_MS) as TestLike;
  for (const variant of ['skip', 'todo', 'only'] as const) {
    const fn = original[variant];
    if (fn) patched[variant] = withTestTimeout(fn, DEFAULT_TEST_TIMEOUT_MS);
  }
  return patched;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS exports object is what the specs read.
const nodeTest = require('node:test') as Record<string, TestLike>;
for (const name of ['it', 'test'] as const) nodeTest[name] = patchTest(nodeTest[name]);
for (const name of ['before', 'after', 'beforeEach', 'afterEach'] as const) nodeTest[name] = withHookTimeout(nodeTest[name], DEFAULT_HOOK_TIMEOUT_MS);
