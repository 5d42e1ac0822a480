// A node:test reporter for test-isolation.mjs: one JSON line per finished test or suite.
export default async function* testNamesReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, nesting, file, details } = event.data;
    yield `${JSON.stringify({ name, nesting, file, suite: details?.type === 'suite', ok: event.type === 'test:pass' && !event.data.skip })}\n`;
  }
}
