import { ConfigError, loadConfig } from '@mpr/core';
import { rebuildReadModels } from './read-models/read-model.rebuild';

// `npm run rebuild-read-models`: the read models, dropped and rebuilt from the event log.
async function main(): Promise<void> {
  const config = loadConfig();
  const report = await rebuildReadModels(config);
  console.log(`rebuilt read models from ${report.events} event(s), up to sequence ${report.lastSequence}, in ${report.millis} ms`);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `rebuild failed: ${(err as Error).stack ?? err}`);
  process.exit(err instanceof ConfigError ? 78 : 1);
});
