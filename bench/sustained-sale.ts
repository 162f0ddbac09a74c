/**
 * `npm run bench` (sustained sale): does persistence keep up with acceptance? A big sale (one hot SKU
 * with 200,000 units, or 10,000 SKUs) takes orders on 64 connections for 10 s, every request a new
 * Idempotency-Key, and the benchmark watches the accepted orders reach Postgres.
 *
 * - drain: the API alone accepts for the whole phase (the persist stream fills), then a worker starts;
 *   the rate at which it stores the backlog is persistence's own speed, compared with a plain hot-row
 *   `UPDATE … WHERE available >= 1` measured in the same run (32 clients). Aim: ≥ 3×. Also worker CPU per
 *   stored order and Postgres transactions per 1,000 orders.
 * - pace: API and worker in one process (`all`, as `npm start` runs) and as two processes; after a 10 s
 *   burst at full acceptance rate, how long until every accepted order is stored. Aim: ≤ 2 s.
 *
 * Each scenario has a database and a Redis key prefix of its own, dropped at the end. It exits 1 when an
 * invariant fails (an accepted order not stored, the gate and the ledger apart once the backlog drained).
 *
 *   node --import tsx bench/sustained-sale.ts [--duration 10] [--connections 64] [--scenarios drain-hot,...]
 *     [--worker-node-args=<flags>]   (extra Node flags for the worker process of the drain and split scenarios)
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { createDb, ensureDatabaseExists, migrateToLatest } from '../src/db/database.js';
import { RedisKeys } from '../src/redis/keys.js';
import { guests } from '../test/support/http.js';
import { databaseUrl, deleteRedisPrefix, dropDatabase, freePort, POSTGRES_URL, REDIS_URL, uniqueName } from '../test/support/stores.js';
import { tearDownOnStop } from './children.js';
import { hotRowUpdateRate } from './hot-row.js';
import { type LoadResult, runLoad } from './load.js';
import { describeMachine, processCpuSeconds } from './machine.js';
import { nodeArgs } from './options.js';
import { flashcartEnvironment, ServerProcess, waitUntilReady } from './server-process.js';
import { n } from './support.js';

const SCENARIOS = ['drain-hot', 'drain-spread', 'pace-all-hot', 'pace-split-hot', 'pace-all-spread', 'pace-split-spread'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    'hot-units': { type: 'string', default: '200000' },
    'spread-skus': { type: 'string', default: '10000' },
    'spread-units': { type: 'string', default: '100' },
    buyers: { type: 'string', default: '2000' },
    'row-clients': { type: 'string', default: '32' },
    'row-seconds': { type: 'string', default: '5' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    'postgres-url': { type: 'string', default: POSTGRES_URL },
    'redis-url': { type: 'string', default: REDIS_URL },
    'worker-node-args': { type: 'string' },
  },
});
const options = {
  durationSeconds: Number(values.duration),
  connections: Number(values.connections),
  hotUnits: Number(values['hot-units']),
  spreadSkus: Number(values['spread-skus']),
  spreadUnits: Number(values['spread-units']),
  buyers: Number(values.buyers),
  rowClients: Number(values['row-clients']),
  rowSeconds: Number(values['row-seconds']),
  scenarios: values.scenarios!.split(',') as ScenarioName[],
  postgresUrl: values['postgres-url']!,
  redisUrl: values['redis-url']!,
  workerNodeArgs: nodeArgs(values['worker-node-args']),
};
for (const name of options.scenarios) if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.join(', ')}`);

const PACE_AIM_SECONDS = 2;
const DRAIN_AIM_RATIO = 3;
const POLL_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string) => console.error(`[sustained-sale] ${message}`);

interface Sale {
  skus: string[];
  /** Units per SKU. */
  units: number;
}

interface Outcome {
  name: ScenarioName;
  load: LoadResult;
  /**
   * Orders the API accepted, by its own count: a few more than the load generator saw answered 202,
   * since the phase ends with requests still in flight.
   */
  accepted: number;
  /** Accepted orders not yet stored when the load ended. */
  backlogAtEnd: number;
  /** drain: orders stored per second once the worker was running. */
  drainRate?: number;
  workerMicrosPerOrder?: number;
  /** The worker's persist transactions (one per batch) per 1,000 stored orders. */
  transactionsPer1000?: number;
  /** pace: seconds from the end of the load until every accepted order was stored. */
  caughtUpSeconds?: number;
  problems: string[];
}

/** A database and Redis prefix with the catalog of the sale and its gates loaded; flashcart not started. */
async function prepareStores(sale: Sale) {
  const databaseName = uniqueName('fc_bench_sale');
  const prefix = uniqueName('fcbs');
  const url = databaseUrl(options.postgresUrl, databaseName);
  await ensureDatabaseExists(url);
  const db = createDb(url, 2, pino({ level: 'silent' }));
  try {
    await migrateToLatest(db, pino({ level: 'silent' }));
  } finally {
    await db.destroy();
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`INSERT INTO categories (slug, name) VALUES ('sale', 'Sale')`);
    await client.query(
      `INSERT INTO products (sku, title, category_slug, price_cents, currency)
       SELECT sku, 'Sale item ' || sku, 'sale', 1999, 'EUR' FROM unnest($1::text[]) AS sku`,
      [sale.skus],
    );
    await client.query(`INSERT INTO inventory (sku, on_hand) SELECT sku, $2 FROM unnest($1::text[]) AS sku`, [sale.skus, sale.units]);
  } finally {
    await client.end();
  }
  // What the API would load on first use, loaded before the clock starts.
  const redis = new Redis(options.redisUrl);
  const keys = new RedisKeys(prefix);
  try {
    for (let i = 0; i < sale.skus.length; i += 1_000) {
      await redis.mset(...sale.skus.slice(i, i + 1_000).flatMap((sku) => [keys.gate(sku), String(sale.units)]));
    }
  } finally {
    redis.disconnect();
  }
  return { databaseName, prefix, url, keys };
}

type Stores = Awaited<ReturnType<typeof prepareStores>>;

/** Orders on `connections` connections for the phase, one unit of a random SKU of the sale each, every request a new key. */
async function sell(baseUrl: string, sale: Sale, tokens: string[]): Promise<LoadResult> {
  let next = 0;
  return runLoad({
    baseUrl,
    method: 'POST',
    path: '/api/orders',
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    nextRequest: () => {
      const sku = sale.skus[Math.floor(Math.random() * sale.skus.length)]!;
      return {
        headers: { authorization: tokens[next++ % tokens.length]!, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({ items: [{ sku, quantity: 1 }] }),
      };
    },
  });
}

/** Stored orders, reserved units, and Σ|gate − (on_hand − reserved)| over every SKU. */
async function ledgerAndDrift(stores: Stores): Promise<{ stored: number; reserved: number; drift: number }> {
  const client = new pg.Client({ connectionString: stores.url });
  const redis = new Redis(options.redisUrl);
  await client.connect();
  try {
    const stored = Number((await client.query('SELECT count(*) AS n FROM orders')).rows[0].n);
    const rows = (await client.query('SELECT sku, on_hand - reserved AS available, reserved FROM inventory')).rows as {
      sku: string;
      available: number;
      reserved: number;
    }[];
    const gates = new Map<string, number>();
    for (let i = 0; i < rows.length; i += 1_000) {
      const chunk = rows.slice(i, i + 1_000);
      const values = await redis.mget(chunk.map((row) => stores.keys.gate(row.sku)));
      for (const [j, row] of chunk.entries()) gates.set(row.sku, Number(values[j]));
    }
    let drift = 0;
    let reserved = 0;
    for (const row of rows) {
      drift += Math.abs(gates.get(row.sku)! - row.available);
      reserved += row.reserved;
    }
    return { stored, reserved, drift };
  } finally {
    await client.end();
    redis.disconnect();
  }
}

/** A counter or histogram count in a Prometheus text exposition. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const escaped = name.replace(/[{}"]/g, (c) => `\\${c}`);
  return Number(new RegExp(`^${escaped} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

async function runScenario(name: ScenarioName): Promise<Outcome> {
  const spread = name.endsWith('spread');
  const sale: Sale = spread
    ? { skus: Array.from({ length: options.spreadSkus }, (_, i) => `SALE-${String(i).padStart(5, '0')}`), units: options.spreadUnits }
    : { skus: ['SALE-HOT'], units: options.hotUnits };
  const stores = await prepareStores(sale);
  const processes: ServerProcess[] = [];
  const backlog = new Redis(options.redisUrl);
  const tearDown = tearDownOnStop(async () => {
    backlog.disconnect();
    await Promise.all(processes.map((child) => child.stop()));
    await dropDatabase(options.postgresUrl, stores.databaseName).catch(() => undefined);
    await deleteRedisPrefix(options.redisUrl, stores.prefix).catch(() => undefined);
  });
  try {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = flashcartEnvironment({ databaseUrl: stores.url, redisUrl: options.redisUrl, prefix: stores.prefix, port });
    const split = name.startsWith('drain') || name.includes('split');
    const api = ServerProcess.flashcart(split ? 'api' : 'all', env);
    processes.push(api);
    await waitUntilReady(baseUrl, api);
    const startWorker = async () => {
      const metricsPort = await freePort();
      const worker = ServerProcess.flashcart('worker', { ...env, METRICS_PORT: String(metricsPort) }, options.workerNodeArgs);
      processes.push(worker);
      const opsUrl = `http://127.0.0.1:${metricsPort}`;
      await waitUntilReady(opsUrl, worker);
      return { worker, opsUrl };
    };
    if (name.includes('split')) await startWorker();
    const tokens = (await guests(baseUrl, options.buyers, 100)).map((buyer) => `Bearer ${buyer.token}`);
    const streamLength = () => backlog.xlen(stores.keys.persistStream());

    log(`${name}: selling ${spread ? `${n(sale.skus.length)} SKUs` : 'one hot SKU'} for ${options.durationSeconds} s`);
    const load = await sell(baseUrl, sale, tokens);
    const loadEnded = performance.now();
    const backlogAtEnd = await streamLength();
    const acceptedSoFar = () => metric(baseUrl, 'flashcart_reservations_total{outcome="accepted"}');
    const outcome: Outcome = { name, load, accepted: await acceptedSoFar(), backlogAtEnd, problems: [] };
    for (const [status, { count }] of load.statuses) {
      if (status !== 202 && status !== 409) outcome.problems.push(`${count} answers with status ${status}`);
    }
    if (load.errors > 0) outcome.problems.push(`${load.errors} requests without an answer`);

    if (name.startsWith('drain')) {
      const { worker: drainer, opsUrl } = await startWorker();
      let first: { at: number; left: number; cpu: number } | undefined;
      for (;;) {
        const left = await streamLength();
        if (!first && left < backlogAtEnd) first = { at: performance.now(), left, cpu: processCpuSeconds(drainer.pid!) };
        if (left === 0) break;
        await sleep(POLL_MS);
      }
      const seconds = (performance.now() - first!.at) / 1_000;
      const cpu = processCpuSeconds(drainer.pid!) - first!.cpu;
      outcome.drainRate = first!.left / seconds;
      outcome.workerMicrosPerOrder = (cpu * 1e6) / first!.left;
      // Each batch is one transaction of one statement (BEGIN, the write, COMMIT).
      outcome.transactionsPer1000 = (await metric(opsUrl, 'flashcart_persist_batch_orders_count')) / (backlogAtEnd / 1_000);
    } else {
      while ((await streamLength()) > 0) await sleep(POLL_MS);
      outcome.caughtUpSeconds = (performance.now() - loadEnded) / 1_000;
    }

    // The load generator stops waiting when the phase ends, but the requests it had in flight (one
    // per connection at most) still reach the API: count the accepted orders once the API has
    // answered every one, i.e. two equal reads with the stream drained in between.
    for (let last = -1; outcome.accepted !== last; ) {
      last = outcome.accepted;
      while ((await streamLength()) > 0) await sleep(POLL_MS);
      await sleep(POLL_MS);
      outcome.accepted = await acceptedSoFar();
    }
    const { accepted } = outcome;
    const answered = load.statuses.get(202)?.count ?? 0;
    if (!(accepted >= answered && accepted <= answered + options.connections)) {
      outcome.problems.push(`the API counted ${n(accepted)} accepted orders, the load generator ${n(answered)} answered 202`);
    }
    const { stored, reserved, drift } = await ledgerAndDrift(stores);
    if (stored !== accepted) outcome.problems.push(`${n(stored)} orders stored for ${n(accepted)} accepted`);
    if (reserved !== accepted) outcome.problems.push(`the ledger holds ${n(reserved)} reserved units for ${n(accepted)} accepted`);
    if (drift !== 0) outcome.problems.push(`gates and ledger drift by ${n(drift)} units`);
    for (const child of processes) {
      const errors = child.errorLines();
      if (errors.length > 0)
        outcome.problems.push(`the ${child.role} process logged ${errors.length} error(s), the first: ${errors[0]!.slice(0, 300)}`);
    }
    return outcome;
  } finally {
    await tearDown();
  }
}

async function main(): Promise<number> {
  const machine = await describeMachine(options.postgresUrl, options.redisUrl);
  log(`hot-row UPDATE reference: ${options.rowClients} clients, ${options.rowSeconds} s`);
  const rowBefore = await hotRowUpdateRate(options.postgresUrl, { clients: options.rowClients, seconds: options.rowSeconds });
  const outcomes: Outcome[] = [];
  for (const name of options.scenarios) outcomes.push(await runScenario(name));
  const rowAfter = await hotRowUpdateRate(options.postgresUrl, { clients: options.rowClients, seconds: options.rowSeconds });
  const hotRow = (rowBefore + rowAfter) / 2;

  const out: string[] = [];
  out.push('');
  out.push(`sustained sale: ${options.connections} connections, ${options.durationSeconds} s of orders, a new Idempotency-Key per request`);
  out.push(
    `machine: ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, Postgres ${machine.postgres}, Redis ${machine.redis}, load before ${n(machine.loadBefore, 2)}`,
  );
  out.push(
    `hot-row UPDATE … WHERE available >= 1 (${options.rowClients} clients): ${n(rowBefore)}/s before, ${n(rowAfter)}/s after, mean ${n(hotRow)}/s`,
  );
  out.push('');
  for (const o of outcomes) {
    const sold = `${n(o.accepted)} accepted (${n(o.accepted / o.load.durationSeconds)}/s), ${n(o.load.statuses.get(409)?.count ?? 0)} refused, backlog at the end ${n(o.backlogAtEnd)}`;
    if (o.drainRate !== undefined) {
      const ratio = o.drainRate / hotRow;
      out.push(`${o.name.padEnd(18)} ${sold}`);
      out.push(
        `${''.padEnd(18)} drained ${n(o.drainRate)} orders/s = ${n(ratio, 2)}× the hot-row rate (aim ≥ ${DRAIN_AIM_RATIO}×: ${ratio >= DRAIN_AIM_RATIO ? 'met' : 'NOT met'}); ` +
          `worker CPU ${n(o.workerMicrosPerOrder!, 1)} µs/order; ${n(o.transactionsPer1000!, 1)} persist transactions per 1,000 orders`,
      );
    } else {
      out.push(`${o.name.padEnd(18)} ${sold}`);
      out.push(
        `${''.padEnd(18)} every accepted order stored ${n(o.caughtUpSeconds!, 2)} s after the load ended (aim ≤ ${PACE_AIM_SECONDS} s: ${o.caughtUpSeconds! <= PACE_AIM_SECONDS ? 'met' : 'NOT met'})`,
      );
    }
    for (const problem of o.problems) out.push(`${''.padEnd(18)} FAILED: ${problem}`);
  }
  const hold = outcomes.every((o) => o.problems.length === 0);
  out.push(`invariants (every accepted order stored once, only 202/409, gates equal the ledger): ${hold ? 'hold' : 'FAILED'}`);
  out.push(
    `reproduce: node --import tsx bench/sustained-sale.ts --duration ${options.durationSeconds} --connections ${options.connections} ` +
      `--hot-units ${options.hotUnits} --spread-skus ${options.spreadSkus} --spread-units ${options.spreadUnits} --scenarios ${options.scenarios.join(',')}` +
      (options.workerNodeArgs.length > 0 ? ` '--worker-node-args=${options.workerNodeArgs.join(' ')}'` : ''),
  );
  console.log(out.join('\n'));
  return hold ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
