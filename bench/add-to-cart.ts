/**
 * `npm run bench` (second part): add-to-cart against GET /health in the same run. It creates a
 * database and a Redis key prefix of its own, starts the API and a worker (which persists the carts
 * behind Redis) as separate processes, and drives `POST /api/cart/items` (one unit of one of a few
 * products, into the carts of many guest buyers) and `GET /health` from this process with
 * autocannon, in alternating rounds. It prints throughput, latency and their ratio, how many
 * Postgres row writes the cart changes cost, and checks that every change was answered 200 and every
 * cart reached Postgres. Exits 1 when an invariant fails. See docs/BENCHMARKS.md.
 *
 * Each round also drives the core's reference, a bare Fastify route that calls one Lua script
 * (bench/bare-route-server.ts, its own process), with orders built the same way: the add is
 * reported against it too, for scale (the aim is against `/health`).
 *
 *   node --import tsx bench/add-to-cart.ts [--duration 10] [--connections 64] [--rounds 4] [--warmup 3] [--buyers 2000]
 *     [--products 8] [--json <file>] [--cpu-prof <dir>] ['--api-node-args=<flags>']   (extra Node flags for the API, as bench/run.ts takes them)
 *
 * Each option also reads BENCH_<NAME> (the same variables bench/run.ts reads), so `BENCH_DURATION=2
 * npm run bench` shortens every scenario.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureDatabaseExists } from '../src/db/database.js';
import { createProduct } from '../test/support/fixtures.js';
import { adminApi, guests } from '../test/support/http.js';
import { databaseUrl, freePort, POSTGRES_URL, REDIS_URL, uniqueName } from '../test/support/stores.js';
import { tearDownBenchmark } from './children.js';
import { addToCartLoad, bareRouteOrdersLoad, type LoadResult, pooledRate, runLoad } from './load.js';
import { CpuMeter, describeMachine } from './machine.js';
import { nodeArgs, referenceNodeArgs } from './options.js';
import { PhaseProfile } from './phase-profile.js';
import { BENCH_ADMIN, flashcartEnvironment, ServerProcess, waitUntilReady } from './server-process.js';
import { cpuLine, microsPerRequest, n, type Phase } from './support.js';

/** The aim: add-to-cart at half the rate of GET /health or better, in the same run. */
const RATIO_AIM = 0.5;
/**
 * Products the buyers' carts cycle through, so the lines of each cart (at most 50): several by
 * default, as a real cart has. Every line is priced and written in every answer, so the figure
 * depends on it (`--products 1` is the flash sale's cart of one line).
 */
const MAX_PRODUCTS = 50;
const SETTLE_TIMEOUT_MS = 60_000;

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    connections: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    buyers: { type: 'string' },
    products: { type: 'string' },
    json: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'api-node-args': { type: 'string' },
  },
});
const option = (name: keyof typeof values, fallback: string) => Number(values[name] ?? process.env[`BENCH_${name.toUpperCase()}`] ?? fallback);
const options = {
  durationSeconds: option('duration', '10'),
  connections: option('connections', '64'),
  rounds: option('rounds', '4'),
  warmupSeconds: option('warmup', '3'),
  buyers: option('buyers', '2000'),
  products: option('products', '8'),
};
for (const [name, value] of Object.entries(options)) {
  if (!Number.isInteger(value) || value < (name === 'warmupSeconds' ? 0 : 1)) throw new Error(`${name} must be a positive integer, got ${value}`);
}
if (options.products > MAX_PRODUCTS) throw new Error(`products must be at most ${MAX_PRODUCTS} (a cart's most lines), got ${options.products}`);
const jsonFile = values.json ?? process.env.BENCH_CART_JSON;
/** Where the API process writes a V8 CPU profile of the whole run (see bench/profile-summary.ts). */
const cpuProfileDir = values['cpu-prof'];
const apiNodeArgs = nodeArgs(values['api-node-args'] ?? process.env.BENCH_API_NODE_ARGS);

const statuses = (load: LoadResult) =>
  [...load.statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, { count }]) => `${status}×${n(count)}`)
    .join(' ');
const line = (round: number, endpoint: string, phase: Phase, server: 'api' | 'bare route' = 'api') =>
  `${String(round).padEnd(6)}${endpoint.padEnd(22)}${n(phase.load.requestsPerSecond).padStart(8)}${n(phase.load.latency.p50, 2).padStart(8)}` +
  `${n(phase.load.latency.p99, 2).padStart(8)}${n(phase.load.latency.max, 2).padStart(9)}  ${statuses(phase.load)}\n` +
  `${' '.repeat(28)}${server === 'api' ? 'API' : 'bare route'} CPU per request ${n(microsPerRequest(phase, server))} µs; cores: ${cpuLine(phase.cpu)}`;

/** A counter's value from a Prometheus text page, summed over the label sets that contain `labels`. */
function counter(page: string, name: string, labels = ''): number {
  return page
    .split('\n')
    .filter((row) => row.startsWith(`${name}{`) || row.startsWith(`${name} `))
    .filter((row) => row.includes(labels))
    .reduce((sum, row) => sum + Number(row.slice(row.lastIndexOf(' ') + 1)), 0);
}

const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();

async function main(): Promise<number> {
  const startedAt = new Date();
  const log = (message: string) => console.error(`[bench:add-to-cart ${((Date.now() - startedAt.getTime()) / 1_000).toFixed(1)} s] ${message}`);
  const machine = await describeMachine(POSTGRES_URL, REDIS_URL);
  const databaseName = uniqueName('fc_bench_cart');
  const prefix = uniqueName('fcbc');
  const processes: ServerProcess[] = [];
  const profile = new PhaseProfile(cpuProfileDir);
  let meter: CpuMeter | undefined;
  const tearDown = tearDownBenchmark({
    meter: () => meter,
    processes,
    // Only the API is profiled.
    profileSummary: () => profile.finish(processes.slice(0, 1), 'cart'),
    stores: { postgresUrl: POSTGRES_URL, databaseName, redisUrl: REDIS_URL, prefix },
    log,
  });
  try {
    await ensureDatabaseExists(databaseUrl(POSTGRES_URL, databaseName));
    const [port, workerPort] = [await freePort(), await freePort()];
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = flashcartEnvironment({ databaseUrl: databaseUrl(POSTGRES_URL, databaseName), redisUrl: REDIS_URL, prefix, port });
    log(`database ${databaseName}, Redis prefix ${prefix}, API on ${baseUrl}`);
    const api = ServerProcess.flashcart('api', env, [...apiNodeArgs, ...profile.nodeArgs]);
    processes.push(api);
    await waitUntilReady(baseUrl, api);
    const worker = ServerProcess.flashcart('worker', { ...env, METRICS_PORT: String(workerPort) });
    processes.push(worker);
    // The reference runs with the API's Node flags except the profiler's, its keys under the run's prefix.
    const barePort = await freePort();
    const bareUrl = `http://127.0.0.1:${barePort}`;
    const bare = ServerProcess.bareRoute(barePort, REDIS_URL, `${prefix}:bare`, referenceNodeArgs(apiNodeArgs));
    processes.push(bare);
    await waitUntilReady(bareUrl, bare);
    meter = new CpuMeter(REDIS_URL, () => ({ api: api.pid, worker: worker.pid, 'bare route': bare.pid }));

    const admin = await adminApi(baseUrl, BENCH_ADMIN);
    const runTag = randomBytes(3).toString('hex').toUpperCase();
    const skus = await Promise.all(
      Array.from({ length: options.products }, (_, i) =>
        createProduct(admin, {
          sku: `CART-${runTag}-${i}`,
          title: `Cart product ${i}`,
          priceCents: 999 + i,
          category: 'cart-bench',
          onHand: 10_000_000,
        }),
      ),
    );
    log(`creating ${n(options.buyers)} guest buyers`);
    const authorizations = (await guests(baseUrl, options.buyers)).map((buyer) => `Bearer ${buyer.token}`);

    const health = (durationSeconds: number) =>
      runLoad({ baseUrl, method: 'GET', path: '/health', connections: options.connections, durationSeconds });
    const addToCart = (durationSeconds: number) => runLoad(addToCartLoad(baseUrl, authorizations, skus, options.connections, durationSeconds));
    const bareOrders = (durationSeconds: number) => runLoad(bareRouteOrdersLoad(bareUrl, authorizations, options.connections, durationSeconds));

    if (options.warmupSeconds > 0) {
      log(`warming up for ${options.warmupSeconds} s per endpoint`);
      await health(options.warmupSeconds);
      await addToCart(options.warmupSeconds);
      await bareOrders(options.warmupSeconds);
    }
    const cpuMeter = meter;
    const rounds: { health: Phase; cart: Phase; bare: Phase }[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const measure = async (name: string, phase: string, work: () => Promise<LoadResult>): Promise<Phase> => {
        log(`round ${round}: ${name} for ${options.durationSeconds} s`);
        const { value, cpu } = await profile.phase(`${phase}-${round}`, () => cpuMeter.measure(work));
        return { load: value, cpu };
      };
      // Alternating the order (health, cart, bare route; then bare route, cart, health), as bench/run.ts
      // does, so a machine that changes speed favours neither side of either comparison.
      const runHealth = () => measure('GET /health', 'health', () => health(options.durationSeconds));
      const runCart = () => measure('POST /api/cart/items', 'cart', () => addToCart(options.durationSeconds));
      const runBare = () => measure('the bare route', 'bare', () => bareOrders(options.durationSeconds));
      if (round % 2 === 1) {
        const h = await runHealth();
        const c = await runCart();
        rounds.push({ health: h, cart: c, bare: await runBare() });
      } else {
        const b = await runBare();
        const c = await runCart();
        rounds.push({ health: await runHealth(), cart: c, bare: b });
      }
    }

    // Every cart changed must reach Postgres: the dirty set drains once the load stops.
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    let dirty = Number.NaN;
    while (Date.now() < deadline) {
      dirty = counter(await scrape(baseUrl), 'flashcart_carts_dirty');
      if (dirty === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const changes = counter(await scrape(baseUrl), 'flashcart_cart_changes_total', 'source="owner"');
    const workerPage = await scrape(`http://127.0.0.1:${workerPort}`);
    const writes = counter(workerPage, 'flashcart_cart_writes_total', 'outcome="written"');
    const statements = counter(workerPage, 'flashcart_cart_persist_statements_total');

    const problems: string[] = [];
    rounds.forEach(({ health: h, cart: c, bare: b }, i) => {
      const onlyStatus = (phase: Phase, what: string, expected: number) => {
        for (const [status, { count }] of phase.load.statuses)
          if (status !== expected) problems.push(`round ${i + 1}: ${count} ${what} answers with status ${status}`);
      };
      onlyStatus(c, 'add-to-cart', 200);
      onlyStatus(h, 'health', 200);
      onlyStatus(b, 'bare-route', 409);
      const lost = c.load.errors + h.load.errors + b.load.errors;
      if (lost > 0) problems.push(`round ${i + 1}: ${lost} requests without an answer`);
    });
    if (dirty !== 0) problems.push(`${dirty} carts still not written to Postgres ${SETTLE_TIMEOUT_MS / 1_000} s after the load`);
    const apiErrors = [...api.errorLines(), ...worker.errorLines()];
    if (apiErrors.length > 0) problems.push(`the API or the worker logged ${apiErrors.length} error(s), the first: ${apiErrors[0]!.slice(0, 300)}`);

    const rateOf = (phase: 'cart' | 'health' | 'bare') => pooledRate(rounds.map((r) => r[phase].load));
    const [cartRate, healthRate, bareRate] = [rateOf('cart'), rateOf('health'), rateOf('bare')];
    const ratio = cartRate / healthRate;
    const bareRatio = cartRate / bareRate;
    const bareHealthRatio = bareRate / healthRate;
    const worstP99 = Math.max(...rounds.map((r) => r.cart.load.latency.p99));
    const out = [
      '',
      `flashcart add-to-cart benchmark, ${startedAt.toISOString()}`,
      `machine: ${machine.cores} cores ${machine.cpuModel}, Node ${machine.node}, Postgres ${machine.postgres}, Redis ${machine.redis}; load average before ${n(machine.loadBefore, 2)}`,
      `load: ${options.connections} connections, ${options.durationSeconds} s per phase, ${n(options.buyers)} guest buyers, ${options.products} products`,
      '',
      `${'round'.padEnd(6)}${'endpoint'.padEnd(22)}${'req/s'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'max ms'.padStart(9)}  statuses`,
      ...rounds.flatMap((r, i) => [
        line(i + 1, 'GET /health', r.health),
        line(i + 1, 'POST /api/cart/items', r.cart),
        line(i + 1, 'bare route (409)', r.bare, 'bare route'),
      ]),
      '',
      `add-to-cart/health ratio of the run: ${n(ratio, 2)}; aim ≥ ${RATIO_AIM}: ${ratio >= RATIO_AIM ? 'met' : 'NOT met'}`,
      `for scale: add-to-cart/bare route ${n(bareRatio, 2)}, bare route/health ${n(bareHealthRatio, 2)} (a bare Fastify route calling one Lua script, the core's reference)`,
      `add-to-cart p99: worst round ${n(worstP99, 2)} ms`,
      `persistence: ${n(changes)} cart changes (warm-up included) cost ${n(writes)} Postgres row writes in ${n(statements)} statements (${n((writes / changes) * 100, 1)} %)`,
      `invariants (every change answered 200, no lost answers, every cart written to Postgres, no error logged): ${problems.length === 0 ? 'hold' : 'FAILED'}`,
      ...problems.map((problem) => `FAILED: ${problem}`),
      `reproduce: node --import tsx bench/add-to-cart.ts --duration ${options.durationSeconds} --connections ${options.connections} --rounds ${options.rounds} --warmup ${options.warmupSeconds} --buyers ${options.buyers} --products ${options.products}` +
        (apiNodeArgs.length > 0 ? ` '--api-node-args=${apiNodeArgs.join(' ')}'` : ''),
    ];
    console.log(out.join('\n'));
    if (jsonFile) {
      writeFileSync(
        jsonFile,
        JSON.stringify(
          {
            startedAt,
            machine,
            options,
            ratio,
            bareRatio,
            bareHealthRatio,
            rounds: rounds.map((r) => ({
              health: {
                requestsPerSecond: r.health.load.requestsPerSecond,
                latencyMs: r.health.load.latency,
                apiMicrosPerRequest: microsPerRequest(r.health),
              },
              cart: {
                requestsPerSecond: r.cart.load.requestsPerSecond,
                latencyMs: r.cart.load.latency,
                apiMicrosPerRequest: microsPerRequest(r.cart),
              },
              bare: {
                requestsPerSecond: r.bare.load.requestsPerSecond,
                latencyMs: r.bare.load.latency,
                bareMicrosPerRequest: microsPerRequest(r.bare, 'bare route'),
              },
            })),
            persistence: { changes, writes, statements },
            problems,
          },
          null,
          2,
        ),
      );
    }
    return problems.length === 0 ? 0 : 1;
  } finally {
    await tearDown();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('the add-to-cart benchmark could not run:', error);
    process.exitCode = 2;
  },
);
