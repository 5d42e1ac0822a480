// A node:test reporter for test-isolation.mjs: one JSON line per finished test or suite (no file: under the
// timeout preload the events locate every test in the preload).
export default async function* testNamesReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, nesting, details } = event.data;
    const error = details?.error?.cause?.message ?? details?.error?.message;
    yield `${JSON.stringify({ name, nesting, suite: details?.type === 'suite', ok: event.type === 'test:pass' && !event.data.skip, error })}\n`;
  }
}
