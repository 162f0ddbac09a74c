/**
 * `node --import tsx bench/bare-route.ts [--rounds 4] [--duration 10]`: the bare-route reference on
 * its own. A bare Fastify route that calls one Lua script (bench/bare-route-server.ts, its own
 * process) is driven on 64 connections against its own `GET /health`, in rounds that alternate
 * which goes first, and the run's orders/health ratio is printed. Every order is refused, as almost
 * every flash-sale buyer is. `npm run bench` drives the same server against flashcart's sold-out
 * order endpoint in its own run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { deleteRedisPrefix, freePort, REDIS_URL, uniqueName } from '../test/support/stores.js';
import { BARE_SKU, type LoadResult, pooledRate, runLoad } from './load.js';
import { ServerProcess, waitUntilReady } from './server-process.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    'redis-url': { type: 'string', default: REDIS_URL },
  },
});
const rounds = Number(values.rounds);
const durationSeconds = Number(values.duration);
const connections = Number(values.connections);
const redisUrl = values['redis-url'];

const prefix = uniqueName('fcbare');
const port = await freePort();
const baseUrl = `http://127.0.0.1:${port}`;
const server = ServerProcess.bareRoute(port, redisUrl, prefix);

try {
  await waitUntilReady(baseUrl, server);
  const body = JSON.stringify({ items: [{ sku: BARE_SKU, quantity: 1 }] });
  const token = `Bearer ${randomBytes(96).toString('base64url')}`;
  const health = (seconds: number) => runLoad({ baseUrl, method: 'GET', path: '/health', connections, durationSeconds: seconds });
  const orders = (seconds: number) =>
    runLoad({
      baseUrl,
      method: 'POST',
      path: '/api/orders',
      connections,
      durationSeconds: seconds,
      // The same headers a flashcart order carries, so both servers parse the same request.
      nextRequest: () => ({ headers: { authorization: token, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body }),
    });

  await health(3);
  await orders(3);
  const phases: { health: LoadResult; orders: LoadResult }[] = [];
  console.log('round  health req/s  orders req/s  ratio');
  for (let round = 1; round <= rounds; round++) {
    const first = round % 2 === 1 ? await health(durationSeconds) : await orders(durationSeconds);
    const second = round % 2 === 1 ? await orders(durationSeconds) : await health(durationSeconds);
    const phase = round % 2 === 1 ? { health: first, orders: second } : { health: second, orders: first };
    if ([...phase.orders.statuses.keys()].some((status) => status !== 409)) throw new Error('the bare route answered something other than 409');
    phases.push(phase);
    const ratio = phase.orders.requestsPerSecond / phase.health.requestsPerSecond;
    console.log(
      `${String(round).padEnd(7)}${Math.round(phase.health.requestsPerSecond).toLocaleString('en-US').padStart(12)}` +
        `${Math.round(phase.orders.requestsPerSecond).toLocaleString('en-US').padStart(14)}  ${ratio.toFixed(2)}`,
    );
  }
  const runRatio = pooledRate(phases.map((p) => p.orders)) / pooledRate(phases.map((p) => p.health));
  console.log(`bare route orders/health ratio of the run: ${runRatio.toFixed(2)}`);
  console.log(`reproduce: node --import tsx bench/bare-route.ts --rounds ${rounds} --duration ${durationSeconds} --connections ${connections}`);
} finally {
  await server.stop();
  await deleteRedisPrefix(redisUrl, prefix);
}
