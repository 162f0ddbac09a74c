import { describe, expect, it } from 'vitest';
import { Api } from './support/http.js';
import { spawnRole, useSystem } from './support/system.js';

/** The request lines among a process's JSON log lines. */
const requestLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; request?: Record<string, unknown>; msg: string })
    .filter((line) => line.request !== undefined);

describe('request logs', () => {
  // Tests run with LOG_LEVEL=warn, as an operator may run production.
  const sut = useSystem({ api: true, worker: false });

  it('logs one info line per request, 404s included, when LOG_LEVEL is info', async () => {
    const api = await spawnRole(sut.stores, 'api', { LOG_LEVEL: 'info' });
    try {
      // Checked against the in-process API's document, so the spawned one logs only these requests.
      const client = new Api(api.url!, undefined, sut.system.url!);
      expect((await client.get('/api/products?limit=1')).status).toBe(200);
      expect((await client.get('/api/products/NO-SUCH-SKU')).status).toBe(404);
      expect((await client.post('/api/orders', { items: [] })).status).toBe(401);
      expect((await client.get('/no/such/route?x=1')).status).toBe(404);
      await api.kill();
      const lines = requestLines(api.output());
      expect(lines.map((line) => line.request)).toEqual([
        { method: 'GET', path: '/api/products', route: '/api/products', status: 200, ms: expect.any(Number) },
        { method: 'GET', path: '/api/products/NO-SUCH-SKU', route: '/api/products/:sku', status: 404, ms: expect.any(Number) },
        { method: 'POST', path: '/api/orders', route: '/api/orders', status: 401, ms: expect.any(Number) },
        { method: 'GET', path: '/no/such/route', route: 'unmatched', status: 404, ms: expect.any(Number) },
      ]);
      expect(lines.every((line) => line.level === 30)).toBe(true);
      expect(lines[0]!.msg).toMatch(/^GET \/api\/products 200 [\d.]+ ms$/);
    } finally {
      await api.kill();
    }
  });

  it('registers no request-log hook at all when LOG_LEVEL is above info', async () => {
    expect((await new Api(sut.system.url!).get('/health')).status).toBe(200);
    const routes = sut.system.app!.printRoutes({ includeHooks: true, commonPrefix: false });
    expect(routes).toContain('observe()');
    expect(routes).not.toContain('logRequest');
  });
});
