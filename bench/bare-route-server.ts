/**
 * The reference the issue compares flashcart with: a bare Fastify app whose order route calls one
 * Lua script (read an idempotency record and a stock counter, refuse) and answers 409. No auth, no
 * schema, no metrics, no pricing. Started by `npm run bench` (bench/run.ts) and bench/bare-route.ts
 * through bench/server-process.ts; ready when GET /health answers.
 */
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const prefix = process.env.BARE_PREFIX!;
const redis = new Redis(process.env.BARE_REDIS_URL!, { enableAutoPipelining: true });
const precheck = `
local known = redis.call('HMGET', KEYS[1], 'fingerprint', 'order')
if known[1] then return {2, known[1], known[2]} end
local available = tonumber(redis.call('GET', KEYS[2]) or '0')
if available < tonumber(ARGV[1]) then return {-2, 1, available} end
return 0`;
redis.defineCommand('precheck', { numberOfKeys: 2, lua: precheck });
await redis.set(`${prefix}:{stock}:gate:BARE`, '0');

const app = Fastify();
app.get('/health', async () => ({ status: 'ok' }));
app.post('/api/orders', async (request, reply) => {
  const { items } = request.body as { items: { sku: string; quantity: number }[] };
  const line = items[0]!;
  const key = `${prefix}:{stock}:idem:${String(request.headers['idempotency-key'])}`;
  const answer = (await (redis as unknown as { precheck(...args: unknown[]): Promise<number[]> }).precheck(
    key,
    `${prefix}:{stock}:gate:${line.sku}`,
    line.quantity,
  )) as [number, number, number];
  const available = answer[2];
  return reply.code(409).send({
    error: {
      code: 'INSUFFICIENT_STOCK',
      message: `only ${available} unit(s) of ${line.sku} available`,
      details: { sku: line.sku, requested: line.quantity, available },
    },
  });
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
