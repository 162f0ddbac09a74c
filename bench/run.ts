/**
 * `npm run bench`: the flash-sale benchmark. In one run it creates a database and a Redis key
 * prefix of its own, starts the API, a worker and the bare-route reference (bench/bare-route-server.ts)
 * as separate processes, and drives them from this process with autocannon, in rounds. Each round
 * measures GET /health against a flash sale on POST /api/orders (a product with fixed stock), then
 * the sold-out order endpoint (the same product, every order refused) against the bare route;
 * rounds alternate which of each pair goes first. It prints throughput and latency, the two
 * ratios, and checks that exactly the stock was sold and the ledger agrees with the Redis gate. It
 * exits non-zero when an invariant fails. See docs/BENCHMARKS.md.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ensureDatabaseExists } from '../src/db/database.js';
import { createProduct, type InventoryView, inventoryOf } from '../test/support/fixtures.js';
import { type Api, adminApi, guests } from '../test/support/http.js';
import { databaseUrl, freePort, uniqueName } from '../test/support/stores.js';
import { tearDownBenchmark } from './children.js';
import { BARE_SKU, type LoadResult, pooledRate, runLoad } from './load.js';
import { CpuMeter, describeMachine, type Machine } from './machine.js';
import { type BenchOptions, parseBenchOptions, referenceNodeArgs, reproduceCommand, USAGE } from './options.js';
import { PhaseProfile } from './phase-profile.js';
import { BENCH_ADMIN, flashcartEnvironment, ServerProcess, waitUntilReady } from './server-process.js';
import { cpuLine, microsPerRequest, n, type Phase } from './support.js';

/**
 * The issues' aims: orders at half the rate of GET /health or better, in the same run; p99 under
 * 25 ms; sold-out orders at 0.9 of the bare route's rate or better.
 */
const RATIO_AIM = 0.5;
const P99_AIM_MS = 25;
const BARE_RATIO_AIM = 0.9;
const WARMUP_STOCK = 100;
const SETTLE_TIMEOUT_MS = 120_000;
const CATEGORY = 'flash-sale';
/** Cores other processes may use during a phase before the report calls the figures suspect. */
const QUIET_MACHINE_CORES = 0.15;

interface Round {
  sku: string;
  /** Odd rounds measure health before orders and flashcart before the bare route; even rounds the reverse. */
  healthFirst: boolean;
  health: Phase;
  orders: Phase;
  settled: InventoryView | undefined;
  /** Orders for the round's product once it sold out: every one refused, as most of a flash sale's. */
  soldOut: Phase;
  bare: Phase;
  problems: string[];
}

/**
 * Polls the inventory until the ledger has caught up with the Redis gate (drift 0): by then the
 * persist worker has recorded every unit the gate let through, however many that was.
 */
async function settle(admin: Api, sku: string): Promise<{ view: InventoryView; reached: boolean }> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const view = await inventoryOf(admin, sku);
    if (view.drift === 0) return { view, reached: true };
    if (Date.now() > deadline) return { view, reached: false };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What must hold after an order phase: exactly `stock` accepted, only 202/409, ledger and gate agree. */
function orderProblems(load: LoadResult, stock: number, settled: { view: InventoryView; reached: boolean }): string[] {
  const problems: string[] = [];
  const accepted = load.statuses.get(202)?.count ?? 0;
  if (accepted !== stock) problems.push(`${accepted} orders accepted (202) for ${stock} units`);
  for (const [status, { count }] of load.statuses) {
    if (status !== 202 && status !== 409) problems.push(`${count} order answers with status ${status}`);
  }
  if (load.errors > 0) problems.push(`${load.errors} order requests without an answer (${load.timeouts} timed out)`);
  const { view, reached } = settled;
  if (!reached) problems.push(`gate and ledger still drift by ${view.drift} after ${SETTLE_TIMEOUT_MS / 1_000} s`);
  if (view.reserved !== stock) problems.push(`the ledger holds ${view.reserved} reserved units, not ${stock}`);
  if (view.gateAvailable !== 0) problems.push(`the Redis gate still admits ${view.gateAvailable} units (raise --duration or lower --stock)`);
  return problems;
}

/** What must hold for a phase whose every order must be refused (409), as the sold-out and bare ones. */
function refusalProblems(endpoint: string, load: LoadResult): string[] {
  const problems = [...load.statuses]
    .filter(([status]) => status !== 409)
    .map(([status, { count }]) => `${count} ${endpoint} answers with status ${status}`);
  if (load.errors > 0) problems.push(`${load.errors} ${endpoint} requests without an answer (${load.timeouts} timed out)`);
  return problems;
}

/** The sold-out phase held nothing: the ledger and the gate are as the sale left them. */
function soldOutProblems(load: LoadResult, stock: number, after: InventoryView): string[] {
  const problems = refusalProblems('sold-out order', load);
  if (after.reserved !== stock || after.gateAvailable !== 0 || after.drift !== 0) {
    problems.push(`after the sold-out phase the ledger holds ${after.reserved} reserved, the gate ${after.gateAvailable}, drift ${after.drift}`);
  }
  return problems;
}

function healthProblems(load: LoadResult): string[] {
  const problems = [...load.statuses]
    .filter(([status]) => status !== 200)
    .map(([status, { count }]) => `${count} health answers with status ${status}`);
  if (load.errors > 0) problems.push(`${load.errors} health requests without an answer`);
  return problems;
}

// ---------------------------------------------------------------------------------------- report

const ms = (value: number) => n(value, 2);
const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));
const padStart = (text: string, width: number) => (text.length >= width ? text : ' '.repeat(width - text.length) + text);

const statusList = (load: LoadResult) =>
  [...load.statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, { count }]) => `${status}×${n(count)}`)
    .join(' ');

function phaseLine(round: string, endpoint: string, load: LoadResult): string {
  return [
    pad(round, 6),
    pad(endpoint, 17),
    padStart(n(load.requestsPerSecond), 8),
    padStart(ms(load.latency.p50), 8),
    padStart(ms(load.latency.p99), 8),
    padStart(ms(load.latency.max), 9),
    `  ${statusList(load)}`,
  ].join('');
}

const INDENT = ' '.repeat(23);

const spread = (values: number[], format: (v: number) => string) => {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return sorted.length === 1 ? format(sorted[0]!) : `${format(median)} median (${format(sorted[0]!)}–${format(sorted.at(-1)!)})`;
};

/** The run's ratio: all order answers over all order time, against the same for health. */
function pooledRatio(rounds: Round[]): number {
  return pooledRate(rounds.map((r) => r.orders.load)) / pooledRate(rounds.map((r) => r.health.load));
}

/** The run's ratio of flashcart's sold-out orders to the bare route's, pooled the same way. */
function pooledBareRatio(rounds: Round[]): number {
  return pooledRate(rounds.map((r) => r.soldOut.load)) / pooledRate(rounds.map((r) => r.bare.load));
}

const bareRatioOf = (round: Round) => round.soldOut.load.requestsPerSecond / round.bare.load.requestsPerSecond;

function report(options: BenchOptions, machine: Machine, rounds: Round[], apiErrors: string[], startedAt: Date): boolean {
  const out: string[] = [];
  out.push('');
  out.push(`flashcart benchmark, ${startedAt.toISOString()}`);
  out.push(
    `machine: ${machine.cores} cores ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ` +
      `Postgres ${machine.postgres}, Redis ${machine.redis}; 1-min load average before the run ${n(machine.loadBefore, 2)}`,
  );
  out.push(
    `load: ${options.connections} connections, ${options.durationSeconds} s per phase, ${n(options.stock)} units per round, ` +
      `${n(options.buyers)} guest buyers, a distinct Idempotency-Key per order`,
  );
  out.push('');
  out.push(
    `${pad('round', 6)}${pad('endpoint', 17)}${padStart('req/s', 8)}${padStart('p50 ms', 8)}${padStart('p99 ms', 8)}${padStart('max ms', 9)}  statuses`,
  );
  rounds.forEach((round, i) => {
    const { health, orders } = round;
    const healthLines = [
      phaseLine(String(i + 1), 'GET /health', health.load),
      `${INDENT}cpu (cores): ${cpuLine(health.cpu, { interrupts: true })}`,
      `${INDENT}API CPU per request: ${n(microsPerRequest(health))} µs`,
    ];
    if (round.healthFirst) out.push(...healthLines);
    out.push(phaseLine(String(i + 1), 'POST /api/orders', orders.load));
    out.push(`${INDENT}cpu (cores): ${cpuLine(orders.cpu, { interrupts: true })}`);
    out.push(`${INDENT}API CPU per request: ${n(microsPerRequest(orders))} µs`);
    const byOutcome = [...orders.load.statuses]
      .sort(([a], [b]) => a - b)
      .map(([status, { latency }]) => `${status} p50 ${ms(latency.p50)} / p99 ${ms(latency.p99)} ms`)
      .join('; ');
    out.push(`${INDENT}latency by status: ${byOutcome}`);
    const ratio = orders.load.requestsPerSecond / health.load.requestsPerSecond;
    const settled = round.settled;
    out.push(
      `${INDENT}ratio orders/health ${n(ratio, 2)}; accepted ${n(orders.load.statuses.get(202)?.count ?? 0)} of ${n(options.stock)}` +
        (settled ? `; ledger reserved ${n(settled.reserved)}, gateAvailable ${settled.gateAvailable}, drift ${settled.drift}` : ''),
    );
    if (!round.healthFirst) out.push(...healthLines);
    const soldOutLines = [
      phaseLine(String(i + 1), 'sold-out orders', round.soldOut.load),
      `${INDENT}cpu (cores): ${cpuLine(round.soldOut.cpu, { interrupts: true })}`,
      `${INDENT}API CPU per request: ${n(microsPerRequest(round.soldOut))} µs`,
    ];
    const bareLines = [
      phaseLine(String(i + 1), 'bare route', round.bare.load),
      `${INDENT}cpu (cores): ${cpuLine(round.bare.cpu, { interrupts: true })}`,
      `${INDENT}bare route CPU per request: ${n(microsPerRequest(round.bare, 'bare route'))} µs`,
    ];
    out.push(...(round.healthFirst ? [...soldOutLines, ...bareLines] : [...bareLines, ...soldOutLines]));
    out.push(`${INDENT}ratio sold-out orders/bare route ${n(bareRatioOf(round), 2)}`);
    for (const problem of round.problems) out.push(`${INDENT}FAILED: ${problem}`);
  });

  const ratios = rounds.map((r) => r.orders.load.requestsPerSecond / r.health.load.requestsPerSecond);
  const orderP99s = rounds.map((r) => r.orders.load.latency.p99);
  const invariantsHold = rounds.every((r) => r.problems.length === 0) && apiErrors.length === 0;
  const runRatio = pooledRatio(rounds);
  const worstP99 = Math.max(...orderP99s);
  out.push('');
  out.push(
    `orders/health ratio of the run: ${n(runRatio, 2)} (every round's answers over every round's time); ` +
      `aim ≥ ${RATIO_AIM}: ${runRatio >= RATIO_AIM ? 'met' : 'NOT met'}`,
  );
  out.push(`orders/health ratio per round: ${spread(ratios, (v) => n(v, 2))}`);
  out.push(
    `orders p99: ${spread(orderP99s, (v) => `${ms(v)} ms`)}; aim < ${P99_AIM_MS} ms: ${worstP99 < P99_AIM_MS ? 'met' : 'NOT met'} in the worst round`,
  );
  out.push(
    `health req/s: ${spread(
      rounds.map((r) => r.health.load.requestsPerSecond),
      (v) => n(v),
    )}`,
  );
  out.push(
    `orders req/s: ${spread(
      rounds.map((r) => r.orders.load.requestsPerSecond),
      (v) => n(v),
    )}`,
  );
  const costRatios = rounds.map((r) => microsPerRequest(r.health) / microsPerRequest(r.orders));
  out.push(
    `API CPU per request, health/orders: ${spread(costRatios, (v) => n(v, 2))} (the ratio the API would reach if it alone were the bottleneck)`,
  );
  const runBareRatio = pooledBareRatio(rounds);
  out.push(
    `sold-out orders/bare route ratio of the run: ${n(runBareRatio, 2)} (every round's answers over every round's time); ` +
      `aim ≥ ${BARE_RATIO_AIM}: ${runBareRatio >= BARE_RATIO_AIM ? 'met' : 'NOT met'}`,
  );
  out.push(`sold-out orders/bare route ratio per round: ${spread(rounds.map(bareRatioOf), (v) => n(v, 2))}`);
  out.push(
    `sold-out orders req/s: ${spread(
      rounds.map((r) => r.soldOut.load.requestsPerSecond),
      (v) => n(v),
    )}; bare route req/s: ${spread(
      rounds.map((r) => r.bare.load.requestsPerSecond),
      (v) => n(v),
    )}`,
  );
  const bareCostRatios = rounds.map((r) => microsPerRequest(r.bare, 'bare route') / microsPerRequest(r.soldOut));
  out.push(`CPU per request, bare route/sold-out orders: ${spread(bareCostRatios, (v) => n(v, 2))} (the ratio if the servers alone set the pace)`);
  const busiest = Math.max(...rounds.flatMap((r) => [r.health, r.orders, r.soldOut, r.bare].map((phase) => phase.cpu.others)));
  if (busiest > QUIET_MACHINE_CORES) {
    out.push(
      `WARNING: other processes used up to ${n(busiest, 2)} cores during a phase: the machine was not quiet, ` +
        'so these figures understate what flashcart does alone. Rerun when it is idle.',
    );
  }
  if (apiErrors.length > 0) {
    out.push(`FAILED: the API or the worker logged ${apiErrors.length} error(s), the first: ${apiErrors[0]!.slice(0, 500)}`);
  }
  out.push(
    `invariants (exactly the stock accepted, only 202/409, only 409 once sold out and from the bare route, no lost answers, no drift): ${
      invariantsHold ? 'hold' : 'FAILED'
    }`,
  );
  out.push(`reproduce: ${reproduceCommand(options)}`);
  console.log(out.join('\n'));
  return invariantsHold;
}

const phaseJson = (phase: Phase, server: 'api' | 'bare route' = 'api') => ({
  requestsPerSecond: phase.load.requestsPerSecond,
  responses: phase.load.responses,
  latencyMs: phase.load.latency,
  statuses: Object.fromEntries([...phase.load.statuses].map(([status, { count, latency }]) => [status, { count, latencyMs: latency }])),
  errors: phase.load.errors,
  server,
  serverMicrosPerRequest: microsPerRequest(phase, server),
  cpuCores: phase.cpu,
});

function asJson(options: BenchOptions, machine: Machine, rounds: Round[], invariantsHold: boolean, startedAt: Date) {
  return {
    startedAt: startedAt.toISOString(),
    command: reproduceCommand(options),
    machine,
    invariantsHold,
    ratio: pooledRatio(rounds),
    bareRouteRatio: pooledBareRatio(rounds),
    rounds: rounds.map((round) => ({
      sku: round.sku,
      healthFirst: round.healthFirst,
      health: phaseJson(round.health),
      orders: phaseJson(round.orders),
      ratio: round.orders.load.requestsPerSecond / round.health.load.requestsPerSecond,
      soldOut: phaseJson(round.soldOut),
      bareRoute: phaseJson(round.bare, 'bare route'),
      bareRouteRatio: bareRatioOf(round),
      inventory: round.settled,
      problems: round.problems,
    })),
  };
}

// ------------------------------------------------------------------------------------------ main

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseBenchOptions(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const startedAt = new Date();
  const log = (message: string) => console.error(`[bench ${((Date.now() - startedAt.getTime()) / 1_000).toFixed(1)} s] ${message}`);
  const machine = await describeMachine(options.postgresUrl, options.redisUrl);

  const databaseName = uniqueName('fc_bench');
  const prefix = uniqueName('fcb');
  const processes: ServerProcess[] = [];
  const profile = new PhaseProfile(options.cpuProfileDir);
  let meter: CpuMeter | undefined;
  const tearDown = tearDownBenchmark({
    meter: () => meter,
    processes,
    // Only the API is profiled.
    profileSummary: () => profile.finish(processes.slice(0, 1), 'orders'),
    stores: { postgresUrl: options.postgresUrl, databaseName, redisUrl: options.redisUrl, prefix },
    log,
  });

  try {
    await ensureDatabaseExists(databaseUrl(options.postgresUrl, databaseName));
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = flashcartEnvironment({ databaseUrl: databaseUrl(options.postgresUrl, databaseName), redisUrl: options.redisUrl, prefix, port });
    log(`database ${databaseName}, Redis prefix ${prefix}, API on ${baseUrl}`);

    // The API first: it migrates the new database, so the worker never races it.
    const api = ServerProcess.flashcart('api', env, [...options.apiNodeArgs, ...profile.nodeArgs]);
    processes.push(api);
    await waitUntilReady(baseUrl, api);
    const worker = ServerProcess.flashcart('worker', env, options.workerNodeArgs);
    processes.push(worker);
    // The reference gets the API's Node flags except the profiler's, so both sides run on the same terms. Its keys live
    // under the run's prefix and go with them.
    const barePort = await freePort();
    const bareUrl = `http://127.0.0.1:${barePort}`;
    const bare = ServerProcess.bareRoute(barePort, options.redisUrl, `${prefix}:bare`, referenceNodeArgs(options.apiNodeArgs));
    processes.push(bare);
    await waitUntilReady(bareUrl, bare);
    meter = new CpuMeter(options.redisUrl, () => ({ api: api.pid, worker: worker.pid, 'bare route': bare.pid }));

    const admin = await adminApi(baseUrl, BENCH_ADMIN);
    log(`creating ${n(options.buyers)} guest buyers`);
    const authorizations = (await guests(baseUrl, options.buyers)).map((buyer) => `Bearer ${buyer.token}`);

    const runTag = randomBytes(4).toString('hex');
    let sequence = 0;
    const newProduct = async (label: string, stock: number) => {
      const sku = `BENCH-${label}-${runTag}`.toUpperCase();
      await createProduct(admin, { sku, title: `Flash sale ${label}`, priceCents: 1_999, category: CATEGORY, onHand: stock });
      return sku;
    };
    const health = (durationSeconds: number) =>
      runLoad({ baseUrl, method: 'GET', path: '/health', connections: options.connections, durationSeconds });
    /** Orders of one unit of `sku`; the bare route takes the same requests as flashcart. */
    const orders = (sku: string, durationSeconds: number, url = baseUrl) => {
      const body = JSON.stringify({ items: [{ sku, quantity: 1 }] });
      return runLoad({
        baseUrl: url,
        method: 'POST',
        path: '/api/orders',
        connections: options.connections,
        durationSeconds,
        nextRequest: () => {
          const i = sequence++;
          return {
            headers: {
              authorization: authorizations[i % authorizations.length]!,
              'content-type': 'application/json',
              'idempotency-key': `bench-${runTag}-${i}`,
            },
            body,
          };
        },
      });
    };

    if (options.warmupSeconds > 0) {
      log(`warming up for ${options.warmupSeconds} s per endpoint`);
      await health(options.warmupSeconds);
      const warmStock = Math.min(WARMUP_STOCK, options.stock);
      const sku = await newProduct('warmup', warmStock);
      const load = await orders(sku, options.warmupSeconds);
      // Waiting for the warm-up orders to be persisted also proves the worker runs.
      const problems = orderProblems(load, warmStock, await settle(admin, sku));
      problems.push(...refusalProblems('bare route', await orders(BARE_SKU, options.warmupSeconds, bareUrl)));
      if (problems.length > 0) throw new Error(`the warm-up failed: ${problems.join('; ')}`);
    }

    const cpuMeter = meter;
    const measured = <T>(name: string, work: () => Promise<T>) => profile.phase(name, () => cpuMeter.measure(work));
    const rounds: Round[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const sku = await newProduct(`r${round}`, options.stock);
      const healthFirst = round % 2 === 1;
      const runHealth = () => {
        log(`round ${round}: GET /health for ${options.durationSeconds} s`);
        return measured(`health-${round}`, () => health(options.durationSeconds));
      };
      const runOrders = async () => {
        log(`round ${round}: POST /api/orders (${sku}, ${n(options.stock)} units) for ${options.durationSeconds} s`);
        const phase = await measured(`orders-${round}`, () => orders(sku, options.durationSeconds));
        // The worker has persisted the sale before anything else is measured.
        return { phase, settled: await settle(admin, sku) };
      };
      const runSoldOut = () => {
        log(`round ${round}: POST /api/orders (${sku}, sold out) for ${options.durationSeconds} s`);
        return measured(`sold-out-${round}`, () => orders(sku, options.durationSeconds));
      };
      const runBare = () => {
        log(`round ${round}: the bare route for ${options.durationSeconds} s`);
        return measured(`bare-${round}`, () => orders(BARE_SKU, options.durationSeconds, bareUrl));
      };
      // Rounds alternate which endpoint of each pair goes first (health, orders, orders, health, ...;
      // sold-out, bare, bare, sold-out, ...), so a machine that speeds up or slows down during the
      // run favours neither. The sold-out pair comes once the sale is persisted.
      const healthPhase = healthFirst ? await runHealth() : undefined;
      const { phase: ordersPhase, settled } = await runOrders();
      const healthOf = healthPhase ?? (await runHealth());
      const soldOutFirst = healthFirst ? await runSoldOut() : undefined;
      const bareOf = await runBare();
      const soldOutOf = soldOutFirst ?? (await runSoldOut());
      rounds.push({
        sku,
        healthFirst,
        health: { load: healthOf.value, cpu: healthOf.cpu },
        orders: { load: ordersPhase.value, cpu: ordersPhase.cpu },
        settled: settled.view,
        soldOut: { load: soldOutOf.value, cpu: soldOutOf.cpu },
        bare: { load: bareOf.value, cpu: bareOf.cpu },
        problems: [
          ...healthProblems(healthOf.value),
          ...orderProblems(ordersPhase.value, options.stock, settled),
          ...soldOutProblems(soldOutOf.value, options.stock, await inventoryOf(admin, sku)),
          ...refusalProblems('bare route', bareOf.value),
        ],
      });
    }

    const apiErrors = [...api.errorLines(), ...worker.errorLines()];
    const invariantsHold = report(options, machine, rounds, apiErrors, startedAt);
    if (options.jsonFile) writeFileSync(options.jsonFile, JSON.stringify(asJson(options, machine, rounds, invariantsHold, startedAt), null, 2));
    return invariantsHold ? 0 : 1;
  } finally {
    await tearDown();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('the benchmark could not run:', error);
    process.exitCode = 2;
  },
);
