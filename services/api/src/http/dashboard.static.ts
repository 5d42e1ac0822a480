import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Where `npm run build` puts the Vite build of web/: dist/web, four folders up from dist/services/api/src/http. */
export const DASHBOARD_ROOT = resolve(__dirname, '..', '..', '..', '..', 'web');

/**
 * The dashboard (web/) from the API's own origin, so its /graphql calls and
 * media URLs need no CORS. Open like /graphiql: the files hold no data, and
 * every call the page makes goes through the GraphQL door. Everything goes
 * out with @fastify/static's default `max-age=0` and an ETag: a browser
 * revalidates (a 304), so a new build shows at the next reload.
 */
export function serveDashboard(app: NestFastifyApplication, root = DASHBOARD_ROOT): void {
  if (!existsSync(join(root, 'index.html'))) {
    new Logger('api').warn(`no dashboard build at ${root}: / is not served (npm run build makes it)`);
    return;
  }
  app.useStaticAssets({
    root,
    prefix: '/',
    // One route per file of the build, read at boot: no catch-all route shadowing the API's own 404s.
    wildcard: false,
  });
}
