// tsc keeps the source layout (dist/services/<name>/src/main.js); Kubernetes
// and the docs start a service as `node dist/services/<name>/main.js`.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
for (const name of readdirSync(join(root, 'services'))) {
  const dir = join(root, 'dist', 'services', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.js'), "'use strict';\nrequire('./src/main.js');\n");
}
