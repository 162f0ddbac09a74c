import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../src/http/error-handler.js';
import { registerWebUi } from '../src/http/web-ui.js';

const PAGE = { accept: 'text/html,application/xhtml+xml' };

async function appServing(distDir: string): Promise<FastifyInstance> {
  const app = Fastify();
  registerErrorHandling(app);
  app.get('/api/ping', async () => ({ pong: true }));
  await registerWebUi(app, distDir);
  await app.ready();
  return app;
}

describe('the web UI as the API serves it', () => {
  let dist: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'fc-web-dist-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>shop</title>');
    await writeFile(join(dist, 'assets', 'app-abc123.js'), 'console.log(1)');
    app = await appServing(dist);
  });

  afterAll(async () => {
    await app?.close();
    await rm(dist, { recursive: true, force: true });
  });

  it('answers a page load of / or of any client route with index.html, never cached, under a CSP', async () => {
    for (const url of ['/', '/products/FLASH-001', '/orders/0b6f4c1e-0000-4000-8000-000000000000', '/admin/dead-letters', '/search?q=lamp']) {
      const answer = await app.inject({ url, headers: PAGE });
      expect(answer.statusCode, url).toBe(200);
      expect(answer.body).toBe('<!doctype html><title>shop</title>');
      expect(answer.headers['cache-control']).toBe('no-cache');
      expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
    }
  });

  it('serves hashed assets cached for good, and a missing asset as a 404', async () => {
    const asset = await app.inject({ url: '/assets/app-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/assets/gone.js', headers: PAGE })).statusCode).toBe(404);
  });

  it('never answers the paths the API and its tools own with the page, even to a browser', async () => {
    for (const url of ['/api/nope', '/docs/nope', '/admin/queues', '/admin/queues/x', '/health/x', '/ready/x', '/metrics/x', '/socket.io/x']) {
      const answer = await app.inject({ url, headers: PAGE });
      expect(answer.statusCode, url).toBe(404);
      expect(answer.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    expect((await app.inject({ url: '/api/ping', headers: PAGE })).json()).toEqual({ pong: true });
  });

  it('answers a request that does not ask for a page (a script, curl) with the JSON 404', async () => {
    for (const accept of ['application/json', '*/*']) {
      const answer = await app.inject({ url: '/no/such/route', headers: { accept } });
      expect(answer.statusCode, accept).toBe(404);
      expect(answer.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: 'no route GET /no/such/route' } });
    }
    expect((await app.inject({ url: '/', headers: { accept: 'application/json' } })).statusCode).toBe(404);
  });

  it('opens the shop at / for any client that takes any type, curl included', async () => {
    for (const headers of [{ accept: '*/*' }, {}]) {
      const answer = await app.inject({ url: '/?utm=x', headers });
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toBe('<!doctype html><title>shop</title>');
    }
  });

  it('says how to build the UI when web/dist is missing', async () => {
    const bare = await appServing(join(dist, 'missing'));
    try {
      const answer = await bare.inject({ url: '/', headers: PAGE });
      expect(answer.statusCode).toBe(503);
      expect(answer.body).toContain('npm run build:web');
    } finally {
      await bare.close();
    }
  });
});
