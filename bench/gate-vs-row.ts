/**
 * `npm run bench` (first part): why the stock gate lives in Redis. Measures, on this machine, how
 * many check-and-decrements per second one hot SKU takes as a Redis Lua script and as a Postgres
 * `UPDATE … WHERE available >= n` on one row, each driven by 64 concurrent clients for a few seconds.
 *
 *   node --import tsx bench/gate-vs-row.ts [--seconds 5] [--clients 64]
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { deleteRedisPrefix, POSTGRES_URL, REDIS_URL, uniqueName } from '../test/support/stores.js';
import { drive, hotRowUpdateRate } from './hot-row.js';

const DECREMENT = `
local available = tonumber(redis.call('GET', KEYS[1]))
if available < tonumber(ARGV[1]) then return -1 end
return redis.call('DECRBY', KEYS[1], ARGV[1])`;

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, clients: { type: 'string', default: '64' } } });
const seconds = Number(values.seconds);
const clients = Number(values.clients);

async function redisGate(): Promise<number> {
  const prefix = uniqueName('fcbg');
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  try {
    const key = `${prefix}:{stock}:gate:HOT`;
    await redis.set(key, 1_000_000_000);
    const sha = (await redis.script('LOAD', DECREMENT)) as string;
    return await drive({ clients, seconds }, () => redis.evalsha(sha, 1, key, 1));
  } finally {
    redis.disconnect();
    await deleteRedisPrefix(REDIS_URL, prefix);
  }
}

const redisRate = await redisGate();
const postgresRate = await hotRowUpdateRate(POSTGRES_URL, { clients, seconds });
const n = (value: number) => Math.round(value).toLocaleString('en-US');
console.log(`\nstock gate on one hot SKU, ${clients} concurrent clients, ${seconds} s each`);
console.log(`  Redis Lua check-and-decrement:           ${n(redisRate)} /s`);
console.log(`  Postgres UPDATE … WHERE available >= n:   ${n(postgresRate)} /s`);
console.log(`  Redis / Postgres:                         ${(redisRate / postgresRate).toFixed(1)}×`);
console.log(`reproduce: node --import tsx bench/gate-vs-row.ts --seconds ${seconds} --clients ${clients}\n`);
