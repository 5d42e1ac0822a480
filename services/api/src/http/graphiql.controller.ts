import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * GraphiQL served from our own node_modules rather than a CDN, so the IDE
 * works on machines without internet access (Mercurius' built-in page loads
 * React and GraphiQL from unpkg).
 */
const ASSETS: Record<string, { module: string; file: string; type: string }> = {
  'react.js': { module: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.js': { module: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.js': { module: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.css': { module: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
  'start.js': { module: '', file: '', type: 'text/javascript' },
};

const START_QUERY = `# MPR — the operations of the original system work verbatim.
# When the server has MPR_API_TOKEN set, every operation (the schema
# too) needs an "Authorization: Bearer <MPR_API_TOKEN>" header: put it in
# the Headers tab below. This page itself holds no data and loads without it.

query Assets { assets(status: "ready") { id filename duration videoCodec width height fileUrl { href expiresAt } } }
query Jobs { jobs(status: "processing") { id status progress } }
query Presets { presets { id name container videoCodec } }
query SystemStatus { systemStatus { status version } }
mutation Scan { scanMediaFolder { found registered skipped } }
`;

const START_SCRIPT = `
const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, { fetcher, defaultQuery: ${JSON.stringify(START_QUERY)}, defaultEditorToolsVisibility: false }),
);
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>MPR · GraphiQL</title>
  <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="/graphiql/assets/graphiql.css" />
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql/assets/react.js"></script>
  <script src="/graphiql/assets/react-dom.js"></script>
  <script src="/graphiql/assets/graphiql.js"></script>
  <script src="/graphiql/assets/start.js"></script>
</body>
</html>`;

/** Open without MPR_API_TOKEN: the page and its scripts hold no data, and every call they make goes through the GraphQL door. */
@Controller('graphiql')
export class GraphiqlController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() reply: FastifyReply): void {
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new NotFoundException(`no GraphiQL asset ${name}`);
    reply.header('content-type', asset.type).header('cache-control', 'public, max-age=86400');
    if (!asset.module) {
      reply.send(START_SCRIPT);
      return;
    }
    // Through package.json: the packages' export maps do not list their UMD builds.
    reply.send(createReadStream(join(dirname(require.resolve(`${asset.module}/package.json`)), asset.file)));
  }
}
