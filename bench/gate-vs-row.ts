/**
 * `npm run bench` (first part): why the stock gate lives in Redis. Measures, on this machine, how
 * many check-and-decrements per second one hot SKU takes as a Redis Lua script and as a Postgres
 * `UPDATE … WHERE available >= n` on one row, each driven by 64 concurrent clients for a few seconds.
 *
 *   node --import tsx bench/gate-vs-row.ts [--seconds 5] [--clients 64]
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ensureDatabaseExists } from '../src/db/database.js';
import { databaseUrl, deleteRedisPrefix, dropDatabase, POSTGRES_URL, REDIS_URL, uniqueName } from '../test/support/stores.js';

const DECREMENT = `
local available = tonumber(redis.call('GET', KEYS[1]))
if available < tonumber(ARGV[1]) then return -1 end
return redis.call('DECRBY', KEYS[1], ARGV[1])`;

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, clients: { type: 'string', default: '64' } } });
const seconds = Number(values.seconds);
const clients = Number(values.clients);

/** Runs `operation` from `clients` concurrent loops for `seconds`; returns operations per second. */
async function drive(operation: () => Promise<unknown>): Promise<number> {
  const until = Date.now() + seconds * 1_000;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < until) {
        await operation();
        done += 1;
      }
    }),
  );
  return done / seconds;
}

async function redisGate(): Promise<number> {
  const prefix = uniqueName('fcbg');
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  try {
    const key = `${prefix}:{stock}:gate:HOT`;
    await redis.set(key, 1_000_000_000);
    const sha = (await redis.script('LOAD', DECREMENT)) as string;
    return await drive(() => redis.evalsha(sha, 1, key, 1));
  } finally {
    redis.disconnect();
    await deleteRedisPrefix(REDIS_URL, prefix);
  }
}

async function postgresRow(): Promise<number> {
  const database = uniqueName('fc_bench_gate');
  await ensureDatabaseExists(databaseUrl(POSTGRES_URL, database));
  const pool = new pg.Pool({ connectionString: databaseUrl(POSTGRES_URL, database), max: clients });
  pool.on('error', () => undefined);
  try {
    await pool.query('CREATE TABLE inventory (sku text PRIMARY KEY, available integer NOT NULL CHECK (available >= 0))');
    await pool.query(`INSERT INTO inventory VALUES ('HOT', 1000000000)`);
    return await drive(() => pool.query(`UPDATE inventory SET available = available - $1 WHERE sku = 'HOT' AND available >= $1`, [1]));
  } finally {
    await pool.end();
    await dropDatabase(POSTGRES_URL, database);
  }
}

const redisRate = await redisGate();
const postgresRate = await postgresRow();
const n = (value: number) => Math.round(value).toLocaleString('en-US');
console.log(`\nstock gate on one hot SKU, ${clients} concurrent clients, ${seconds} s each`);
console.log(`  Redis Lua check-and-decrement:           ${n(redisRate)} /s`);
console.log(`  Postgres UPDATE … WHERE available >= n:   ${n(postgresRate)} /s`);
console.log(`  Redis / Postgres:                         ${(redisRate / postgresRate).toFixed(1)}×`);
console.log(`reproduce: node --import tsx bench/gate-vs-row.ts --seconds ${seconds} --clients ${clients}\n`);
