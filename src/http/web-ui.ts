import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build:web` (scripts/build-web.ts) writes the web UI. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Paths the API and its tools own: an unknown one there is a 404, never the web UI's page. */
const NOT_THE_UI = ['/api', '/docs', '/admin/queues', '/health', '/ready', '/metrics', '/socket.io', '/assets'];
const ownedByServer = (path: string) => NOT_THE_UI.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/** The UI needs nothing from another origin: scripts, styles, data and sockets all come from here. */
const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // React sets style attributes (chart bars, progress); no stylesheet comes from elsewhere.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>flashcart</title></head>
<body><main><h1>The web UI is not built</h1><p>Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it) and reload.</p></main></body></html>`;

/**
 * The single-page web UI: its hashed assets under /assets/ (cached for good: a new build has new
 * names), and its index.html for every other page load (a GET asking for HTML) of a path the API
 * does not own, so a reload of a client route (/products/FLASH-001, /admin/orders) lands on the app.
 *
 * The page is sent from a hook on requests no route matched rather than from a catch-all route, so
 * the API's own answers for unknown paths (404, or 405 with Allow for a known path) stay as they are.
 */
export async function registerWebUi(app: FastifyInstance, distDir: string = WEB_DIST): Promise<void> {
  const indexHtml = await readFile(join(distDir, 'index.html'), 'utf8').catch(() => undefined);
  if (indexHtml !== undefined) {
    await app.register(fastifyStatic, {
      root: join(distDir, 'assets'),
      prefix: '/assets/',
      // One route per built file: a missing asset is an unknown path, not a page.
      wildcard: false,
      decorateReply: false,
      index: false,
      immutable: true,
      maxAge: '365d',
    });
  }
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.is404 || (request.method !== 'GET' && request.method !== 'HEAD')) return done();
    // A page load asks for HTML; a script or a tool asking for anything else gets the API's 404.
    // The shop's front door is no API path, though: `curl localhost:3000/` (any type, or none) gets the page too.
    const accept = request.headers.accept;
    const path = request.url.split('?')[0]!;
    const wantsPage = accept?.includes('text/html') === true || (path === '/' && (!accept || accept.includes('*/*')));
    if (!wantsPage || ownedByServer(path)) return done();
    reply.header('cache-control', 'no-cache').header('content-security-policy', UI_CSP).type('text/html; charset=utf-8');
    if (indexHtml === undefined) reply.code(503).send(NOT_BUILT_PAGE);
    else reply.code(200).send(indexHtml);
  });
}
