/**
 * `npm run bench` (webhook part): how fast signed `payment.succeeded` webhooks confirm held orders
 * of one hot SKU, against the plain hot-row `UPDATE … WHERE available >= n` rate measured in the
 * same run. Each round holds `--orders` orders of a fresh product, starts their payments, then sends
 * their webhooks at `--connections` connections and times it until every order is CONFIRMED (a 200
 * answer means the confirmation committed) and the ledger balances. See docs/BENCHMARKS.md.
 *
 * Warm-up rounds (`--warmup`, the same work, printed and not counted) come first, as the other
 * benchmarks warm up before they measure: in the first rounds the API's code is still being compiled.
 *
 *   node --import tsx bench/webhooks.ts [--orders 1000] [--connections 64] [--rounds 3] [--warmup 2] [--row-seconds 5]
 *     [--cpu-prof <dir>]   (V8 CPU profiles of the API and the worker, for bench/profile-summary.ts)
 *     [--statements]       (on a Postgres cluster of its own with pg_stat_statements, in place of
 *                           --postgres-url: each round's Postgres time per transaction, by statement)
 */
import { randomBytes } from 'node:crypto';
import { createHistogram } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ensureDatabaseExists } from '../src/db/database.js';
import { signWebhook } from '../src/modules/payments/webhook-signature.js';
import { createProduct, type InventoryView, inventoryOf } from '../test/support/fixtures.js';
import { type Api, adminApi, guests, settleInWaves } from '../test/support/http.js';
import { databaseUrl, freePort, POSTGRES_URL, REDIS_URL, uniqueName } from '../test/support/stores.js';
import { tearDownBenchmark } from './children.js';
import { hotRowUpdateRate } from './hot-row.js';
import { KeepAliveClient } from './http-client.js';
import { CpuMeter, type CpuUse, describeMachine } from './machine.js';
import { PaymentStack } from './payment-stack.js';
import { PhaseProfile } from './phase-profile.js';
import { BENCH_ADMIN, flashcartEnvironment, ServerProcess, waitUntilReady } from './server-process.js';
import { StatementStats, type StatementTime, statementLines } from './statement-stats.js';
import { cpuLine, n, pollUntil } from './support.js';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    'row-seconds': { type: 'string', default: '5' },
    'postgres-url': { type: 'string', default: POSTGRES_URL },
    'redis-url': { type: 'string', default: REDIS_URL },
    'cpu-prof': { type: 'string' },
    statements: { type: 'boolean', default: false },
  },
});
const ORDERS = Number(values.orders);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
const WARMUP_ROUNDS = Number(values.warmup);
const ROW_SECONDS = Number(values['row-seconds']);
const STATEMENTS = values.statements === true;
const redisUrl = values['redis-url']!;
/** Orders each guest buyer places: payments are started by their owner. */
const ORDERS_PER_BUYER = 10;
const PRICE = 2_500;
const SETTLE_TIMEOUT_MS = 120_000;

const log = (message: string) => console.error(`[bench webhooks] ${message}`);
/** The measured rounds, for CPU profiles (`--cpu-prof`). */
const profile = new PhaseProfile(values['cpu-prof']);

interface Round {
  cpu: CpuUse;
  seconds: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  ledger: InventoryView;
  /** Transactions the round's webhooks were applied in (the API's flashcart_payment_webhook_batch_events). */
  batches: number;
  /** With --statements: what the round's statements took, the costliest first. */
  statements: StatementTime[] | undefined;
  problems: string[];
}

/** Sends every webhook from `CONNECTIONS` loops; returns the answers' statuses and outcomes, and their latency. */
async function sendAll(url: string, secret: string, bodies: string[]) {
  const latency = createHistogram();
  const answers: { status: number; outcome: string | undefined }[] = [];
  let next = 0;
  const client = new KeepAliveClient(CONNECTIONS);
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const sent = performance.now();
        const response = await client.send(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'payment-signature': signWebhook(secret, body, Date.now() / 1_000) },
          body,
        });
        let answer: { outcome?: string } = {};
        try {
          answer = JSON.parse(response.text) as { outcome?: string };
        } catch {
          // not JSON: counted by its status
        }
        latency.record(Math.max(1, Math.round((performance.now() - sent) * 1_000)));
        answers.push({ status: response.status, outcome: answer.outcome });
      }
    }),
  ).finally(() => client.close());
  return { seconds: (performance.now() - startedAt) / 1_000, answers, p50Ms: latency.percentile(50) / 1_000, p99Ms: latency.percentile(99) / 1_000 };
}

/** Webhook batches the API has applied so far, and the events they held (its /metrics). */
async function webhookBatches(baseUrl: string): Promise<{ count: number; events: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^flashcart_payment_webhook_batch_events_${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { count: read('count'), events: read('sum') };
}

/** No outbox event waits for the relay, and no job waits or runs on any queue (the API's /metrics; delayed jobs are the schedulers' next ticks). */
async function sideEffectsDone(baseUrl: string): Promise<boolean> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const backlog = Number(/^flashcart_outbox_backlog (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
  const busy = [...text.matchAll(/^flashcart_queue_jobs\{queue="[^"]+",state="(?:waiting|active|prioritized)"\} (\d+)$/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
  return backlog === 0 && busy === 0;
}

/**
 * One round; `round` names it (`round-2`, `warm-up-1`), and is the CPU profile's phase. With
 * `statements`, Postgres's statements are counted from the first webhook sent to the last answer.
 */
async function runRound(
  round: string,
  baseUrl: string,
  admin: Api,
  buyers: Api[],
  secret: string,
  meter: CpuMeter,
  statements?: { stats: StatementStats; database: string },
): Promise<Round> {
  const tag = randomBytes(4).toString('hex');
  const sku = await createProduct(admin, { sku: `HOOK-${round}-${tag}`.toUpperCase(), onHand: ORDERS, priceCents: PRICE, category: 'webhooks' });
  log(`${round}: holding ${n(ORDERS)} orders of ${sku}`);
  const placed = await settleInWaves(
    Array.from({ length: ORDERS }, (_, i) => () => buyers[i % buyers.length]!.order([{ sku, quantity: 1 }], `hook-${tag}-${i}`)),
    CONNECTIONS,
  );
  const orders = placed.map((result, i) => {
    if (result.status !== 'fulfilled' || result.value.status !== 202) throw new Error(`order ${i} was not accepted`);
    return { buyer: buyers[i % buyers.length]!, id: result.value.body.id as string };
  });
  const started = await settleInWaves(
    orders.map((order) => () => order.buyer.post(`/api/orders/${order.id}/payment`)),
    CONNECTIONS,
  );
  const bodies = started.map((result, i) => {
    if (result.status !== 'fulfilled' || result.value.status !== 201) throw new Error(`payment of order ${i} was not started`);
    const data = { paymentId: result.value.body.paymentId as string, orderId: orders[i]!.id, amountCents: PRICE, currency: 'EUR' };
    return JSON.stringify({ id: `evt_bench_${tag}_${i}`, type: 'payment.succeeded', data });
  });
  // Every order is stored (PENDING, its units reserved in the ledger) before the clock starts, and
  // the side effects of placing them (the outbox's order.placed events, their notify jobs) are done:
  // they belong to the set-up, and would otherwise run inside the first round's phase.
  if (!(await pollUntil(async () => (await inventoryOf(admin, sku)).reserved === ORDERS, SETTLE_TIMEOUT_MS)))
    throw new Error('the orders were not all stored');
  if (!(await pollUntil(() => sideEffectsDone(baseUrl), SETTLE_TIMEOUT_MS))) throw new Error('the side effects of placing the orders did not finish');

  log(`${round}: sending ${n(ORDERS)} signed webhooks at ${CONNECTIONS} connections`);
  const batchesBefore = await webhookBatches(baseUrl);
  await statements?.stats.reset();
  const { value: sent, cpu } = await profile.phase(round, () => meter.measure(() => sendAll(`${baseUrl}/api/payments/webhook`, secret, bodies)));
  const statementTimes = await statements?.stats.read(statements.database);
  const batchesAfter = await webhookBatches(baseUrl);
  const problems: string[] = [];
  if (batchesAfter.events - batchesBefore.events !== ORDERS)
    problems.push(`${batchesAfter.events - batchesBefore.events} webhook events counted in batches for ${ORDERS} sent`);
  const confirmed = sent.answers.filter((answer) => answer.status === 200 && answer.outcome === 'confirmed').length;
  if (confirmed !== ORDERS) problems.push(`${confirmed} of ${ORDERS} webhooks answered 200 confirmed`);
  const pending = await admin.get('/api/admin/orders?status=PENDING&limit=1');
  if (pending.body.total !== 0) problems.push(`${pending.body.total} orders still PENDING after every answer`);
  // The answers come after each order's Redis step too, so the gate agrees at once; a lag would show as drift.
  const ledger = await inventoryOf(admin, sku);
  if (ledger.reserved !== 0 || ledger.sold !== ORDERS || ledger.onHand !== 0 || ledger.gateAvailable !== 0 || ledger.drift !== 0) {
    problems.push(`ledger not balanced: ${JSON.stringify(ledger)}`);
  }
  const batches = batchesAfter.count - batchesBefore.count;
  return {
    cpu,
    seconds: sent.seconds,
    rate: ORDERS / sent.seconds,
    p50Ms: sent.p50Ms,
    p99Ms: sent.p99Ms,
    ledger,
    batches,
    statements: statementTimes,
    problems,
  };
}

const confirmedIn = (round: Round) => `${n(ORDERS)} confirmations in ${n(round.seconds, 2)} s = ${n(round.rate)} /s`;
const problemLines = (round: Round) => round.problems.map((problem) => `\n  FAILED: ${problem}`).join('');
/** CPU microseconds one confirmation cost a process, however much CPU it was given. */
const microsPer = (round: Round, process: string) => ((round.cpu.processes[process] ?? 0) * 1e6) / round.rate;

async function main(): Promise<number> {
  let meter: CpuMeter | undefined;
  const stats = STATEMENTS ? await StatementStats.start() : undefined;
  const postgresUrl = stats?.url ?? values['postgres-url']!;
  const machine = await describeMachine(postgresUrl, redisUrl).catch(async (error: unknown) => {
    await stats?.stop();
    throw error;
  });
  const databaseName = uniqueName('fc_bench_hooks');
  const prefix = uniqueName('fcbh');
  const processes: ServerProcess[] = [];
  const payments = new PaymentStack(redisUrl, prefix);
  const tearDownFlashcart = tearDownBenchmark({
    meter: () => meter,
    processes,
    // After flashcart, whose processes may call the simulator and send mail until they stop.
    afterStop: () => payments.close(),
    profileSummary: () => profile.finish(processes, 'round'),
    stores: { postgresUrl, databaseName, redisUrl, prefix },
    log,
  });
  const tearDown = async () => {
    await tearDownFlashcart();
    await stats?.stop();
  };
  try {
    log(`hot-row UPDATE for ${ROW_SECONDS} s at ${CONNECTIONS} clients`);
    const rowMeter = new CpuMeter(redisUrl, () => ({}));
    const row = await rowMeter
      .measure(() => hotRowUpdateRate(postgresUrl, { clients: CONNECTIONS, seconds: ROW_SECONDS }))
      .finally(() => rowMeter.close());
    const rowRate = row.value;

    await ensureDatabaseExists(databaseUrl(postgresUrl, databaseName));
    const paymentEnv = await payments.listen();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      ...flashcartEnvironment({ databaseUrl: databaseUrl(postgresUrl, databaseName), redisUrl, prefix, port }),
      ...paymentEnv,
    };
    const secret = env.PAYMENT_WEBHOOK_SECRET!;
    const api = ServerProcess.flashcart('api', env, profile.nodeArgs);
    processes.push(api);
    await waitUntilReady(baseUrl, api);
    const worker = ServerProcess.flashcart('worker', env, profile.nodeArgs);
    processes.push(worker);
    const cpuMeter = new CpuMeter(redisUrl, () => ({ api: api.pid, worker: worker.pid, 'payment simulator': payments.pid }));
    meter = cpuMeter;
    const admin = await adminApi(baseUrl, BENCH_ADMIN);
    await admin.post('/api/admin/categories', { slug: 'webhooks', name: 'webhooks' });
    const buyers = await guests(baseUrl, Math.ceil(ORDERS / ORDERS_PER_BUYER));

    const warmups: Round[] = [];
    for (let round = 1; round <= WARMUP_ROUNDS; round++) warmups.push(await runRound(`warm-up-${round}`, baseUrl, admin, buyers, secret, cpuMeter));
    const rounds: Round[] = [];
    const statements = stats ? { stats, database: databaseName } : undefined;
    for (let round = 1; round <= ROUNDS; round++) {
      rounds.push(await runRound(`round-${round}`, baseUrl, admin, buyers, secret, cpuMeter, statements));
    }
    const everyRound = [...warmups, ...rounds];
    const errors = processes.flatMap((child) => child.errorLines());
    const held = everyRound.every((r) => r.problems.length === 0) && errors.length === 0;

    const rates = rounds.map((round) => round.rate).sort((a, b) => a - b);
    const median = rates.length % 2 ? rates[(rates.length - 1) / 2]! : (rates[rates.length / 2 - 1]! + rates[rates.length / 2]!) / 2;
    const out = [
      '',
      `webhook throughput, ${new Date().toISOString()}`,
      `machine: ${machine.cores} cores ${machine.cpuModel}, Node ${machine.node}, Postgres ${machine.postgres}, Redis ${machine.redis}; ` +
        `1-min load average before the run ${n(machine.loadBefore, 2)}`,
      `load: ${n(ORDERS)} held orders of one hot SKU per round, their signed payment.succeeded webhooks at ${CONNECTIONS} connections`,
      '',
      ...warmups.map((round, i) => `warm-up ${i + 1} (not counted): ${confirmedIn(round)}${problemLines(round)}`),
      ...rounds.map(
        (round, i) =>
          `round ${i + 1}: ${confirmedIn(round)} ` +
          `(webhook p50 ${n(round.p50Ms, 1)} ms, p99 ${n(round.p99Ms, 1)} ms); ledger sold ${round.ledger.sold}, reserved ${round.ledger.reserved}, ` +
          `gateAvailable ${round.ledger.gateAvailable}, drift ${round.ledger.drift}\n` +
          `  cpu (cores): ${cpuLine(round.cpu)}\n` +
          `  CPU per confirmation: API ${n(microsPer(round, 'api'))} µs, Postgres ${n(microsPer(round, 'postgres'))} µs, worker ${n(microsPer(round, 'worker'))} µs\n` +
          `  applied in ${n(round.batches)} transactions, ${n(ORDERS / round.batches, 1)} webhooks each on average` +
          (round.statements ? `\n${statementLines(round.statements, round.batches, 'transaction').join('\n')}` : '') +
          problemLines(round),
      ),
      '',
      `confirmations/s: ${n(median)} median (${n(rates[0]!)}–${n(rates.at(-1)!)})`,
      `hot-row UPDATE … WHERE available >= n, same run, ${CONNECTIONS} clients, ${ROW_SECONDS} s: ${n(rowRate)} /s ` +
        // Its 64 backends start and end inside the measured phase, so the CPU meter counts them with
        // the other processes rather than as Postgres: that is the hot row's Postgres CPU.
        `(its Postgres backends and every other process ${n(row.cpu.others, 2)} cores, ${n((row.cpu.others * 1e6) / rowRate)} µs per update)`,
      `confirmations / hot-row: ${n(median / rowRate, 2)}×; aim ≥ 1: ${median >= rowRate ? 'met' : 'NOT met'}`,
      ...(errors.length > 0 ? [`FAILED: the API or the worker logged ${errors.length} error(s), the first: ${errors[0]!.slice(0, 500)}`] : []),
      `invariants (every order CONFIRMED once, ledger balanced, no errors): ${held ? 'hold' : 'FAILED'}`,
      `reproduce: node --import tsx bench/webhooks.ts --orders ${ORDERS} --connections ${CONNECTIONS} --rounds ${ROUNDS} --warmup ${WARMUP_ROUNDS} --row-seconds ${ROW_SECONDS}` +
        (STATEMENTS ? ' --statements' : ''),
    ];
    console.log(out.join('\n'));
    return held ? 0 : 1;
  } finally {
    await tearDown();
  }
}

process.exitCode = await main();
