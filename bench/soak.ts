/**
 * A soak under faults: buyers shop, order, pay, decline, cancel and let reservations expire through
 * two API instances while an admin changes prices and stock, adds and deletes products and flips the
 * simulated vendors' fault switches; meanwhile the second API and the second worker are killed with
 * SIGKILL and started again, in turn. When the traffic stops, it waits until every accepted order has
 * settled and then checks what the design promises (ARCHITECTURE.md, Invariants):
 *
 * - every order answered 202 reached a terminal status, the one its buyer's steps lead to;
 * - every SKU's ledger balances: nothing reserved is left, Redis admits what Postgres holds (drift 0);
 * - every buyer's mail came, once per event: received, and paid, cancelled, expired or refunded;
 * - every cart in Redis equals its Postgres snapshot;
 * - no 5xx, no answer the OpenAPI document does not describe, no error logged, no dead letter left:
 *   a job that ran out of attempts while a vendor or a store was down is retried from the dead letters, as an
 *   admin would, and must then succeed.
 *
 * With `--crash-stores`, flashcart runs on a Postgres and a Redis of the soak's own (Redis with its
 * append-only file fsynced on every write, as production runs it), and the kills go round four:
 * the worker, the API, Redis (SIGKILL, then started again on its AOF) and Postgres (an immediate
 * shutdown, as abrupt as a crash, then started again). Meanwhile `503 UNAVAILABLE` is the answer
 * the design gives, and counted as such; without the option a 503 is a failure like any 5xx.
 *
 * Not in `npm run bench`: it measures no speed, and takes minutes. It exits 1 when a check fails.
 *
 *   node --import tsx bench/soak.ts [--seconds 120] [--buyers 16] [--kill-every 15] [--crash-stores]
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ensureDatabaseExists } from '../src/db/database.js';
import { type Answer, Api, adminApi } from '../test/support/http.js';
import { databaseUrl, freePort, POSTGRES_URL, REDIS_URL, uniqueName } from '../test/support/stores.js';
import { ThrowawayPostgres } from '../test/support/throwaway-postgres.js';
import { ThrowawayRedis } from '../test/support/throwaway-redis.js';
import { tearDownBenchmark } from './children.js';
import { describeMachine } from './machine.js';
import { BENCH_ADMIN, flashcartEnvironment, ServerProcess, waitUntilReady } from './server-process.js';
import { n, pollUntil } from './support.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, buyers: { type: 'string' }, 'kill-every': { type: 'string' }, 'crash-stores': { type: 'boolean' } },
});
const options = {
  seconds: Number(values.seconds ?? process.env.BENCH_SOAK_SECONDS ?? 120),
  buyers: Number(values.buyers ?? process.env.BENCH_SOAK_BUYERS ?? 16),
  killEvery: Number(values['kill-every'] ?? process.env.BENCH_SOAK_KILL_EVERY ?? 15),
  crashStores: values['crash-stores'] ?? process.env.BENCH_SOAK_CRASH_STORES === '1',
};
/** Short holds, so that the orders left unpaid expire within the run. */
const RESERVATION_TTL_SECONDS = 20;
/** How long the orders may take to settle once the traffic stops: expiry, payments, fulfilment, mail. */
const SETTLE_TIMEOUT_MS = 180_000;
const TERMINAL = new Set(['FULFILLED', 'CANCELLED', 'EXPIRED', 'FAILED']);

const log = (message: string) => console.error(`[bench soak] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const below = (bound: number) => Math.floor(Math.random() * bound);

/** What a buyer means to do with an accepted order. */
type Plan = 'pay' | 'decline' | 'cancel' | 'pay, then cancel' | 'let expire';
const PLANS: [Plan, number][] = [
  ['pay', 0.5],
  ['decline', 0.12],
  ['cancel', 0.15],
  ['pay, then cancel', 0.05],
  ['let expire', 0.18],
];

/** A plan, drawn with PLANS' shares. */
function drawPlan(): Plan {
  let draw = Math.random();
  for (const [plan, share] of PLANS) {
    draw -= share;
    if (draw < 0) return plan;
  }
  return 'let expire';
}

/** An accepted order and what its buyer did. `disturbed`: a step met a killed API, so its outcome is not the plan's. */
interface Placed {
  id: string;
  buyer: Api;
  /** The buyer's user id, whose cart snapshot is checked. */
  userId: string;
  email: string;
  plan: Plan;
  disturbed: boolean;
}

/** Statuses per step; problems found on the way. */
class Tally {
  readonly statuses = new Map<string, number>();
  readonly problems: string[] = [];
  /** Requests that met a process killed under them (no answer): expected, counted apart. */
  unanswered = 0;

  /** `crashStores`: a 503 UNAVAILABLE is what a store outage is answered, not a failure. */
  constructor(private readonly outagesExpected: boolean) {}

  count(step: string, answer: Answer): void {
    const code = answer.status >= 400 ? ` ${String((answer.body as { error?: { code?: string } } | undefined)?.error?.code ?? '')}` : '';
    const label = `${step} ${answer.status}${code}`;
    this.statuses.set(label, (this.statuses.get(label) ?? 0) + 1);
    if (answer.status >= 500 && !(this.outagesExpected && isUnavailable(answer)))
      this.problems.push(`${step}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  }
}

/** The answer the API gives while Postgres or Redis is down. */
const isUnavailable = (answer: Answer) =>
  answer.status === 503 && (answer.body as { error?: { code?: string } } | undefined)?.error?.code === 'UNAVAILABLE';

/**
 * One request of a step: its answer, or undefined when the process answering it died (the
 * connection failed). An answer the OpenAPI document does not describe is a problem.
 */
async function step(tally: Tally, name: string, request: () => Promise<Answer>): Promise<Answer | undefined> {
  try {
    const answer = await request();
    tally.count(name, answer);
    return answer;
  } catch (error) {
    if (error instanceof TypeError) {
      tally.unanswered++;
      await sleep(200);
      return undefined;
    }
    tally.problems.push(`${name}: ${String(error).slice(0, 500)}`);
    return undefined;
  }
}

const ADDRESSES = [
  { name: 'Ana Buyer', line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  { name: 'Bo Buyer', line1: '1 Queen’s Road', city: 'Hong Kong', country: 'HK' },
  { name: 'Cy Buyer', line1: '500 Market St', city: 'San Francisco', region: 'CA', postalCode: '94103', country: 'US' },
];

/** The SKUs on sale now, as the admin adds and deletes products. */
const catalog = { skus: [] as string[] };

/** A buyer's loop until `stop`: a new guest each time, who fills a cart, maybe registers, orders and follows a plan. */
async function shopper(baseUrl: string, pspUrl: string, index: number, tally: Tally, placed: Placed[], stop: { now: boolean }): Promise<void> {
  const psp = Api.unchecked(pspUrl);
  for (let round = 1; !stop.now; round++) {
    const guest = await step(tally, 'guest', () => new Api(baseUrl).post('/api/auth/guest'));
    if (guest?.status !== 201) continue;
    let buyer = new Api(baseUrl).as(guest.body.token);
    let userId = guest.body.user.id as string;
    for (let line = 1 + below(3); line > 0; line--) {
      await step(tally, 'add to cart', () => buyer.post('/api/cart/items', { sku: pick(catalog.skus), quantity: 1 + below(3) }));
    }
    if (Math.random() < 0.2) {
      const cart = await step(tally, 'read cart', () => buyer.get('/api/cart'));
      const first = cart?.body.items?.[0];
      if (first) await step(tally, 'set line', () => buyer.put(`/api/cart/items/${encodeURIComponent(first.sku)}`, { quantity: below(3) }));
    }
    const email = `soak-${index}-${round}-${randomBytes(3).toString('hex')}@example.com`;
    if (Math.random() < 0.3) {
      const registered = await step(tally, 'register', () =>
        new Api(baseUrl).post('/api/auth/register', { email, password: 'soak-password', guestToken: buyer.token }),
      );
      if (registered?.status === 201) {
        buyer = buyer.as(registered.body.token);
        userId = registered.body.user.id;
      }
    }
    const order =
      Math.random() < 0.8
        ? { fromCart: true, customerEmail: email, shippingAddress: pick(ADDRESSES) }
        : { items: [{ sku: pick(catalog.skus), quantity: 1 + below(2) }], customerEmail: email, shippingAddress: pick(ADDRESSES) };
    const key = `soak-${index}-${round}`;
    const place = () => buyer.post('/api/orders', order, { headers: { 'idempotency-key': key } });
    const accepted = await step(tally, 'order', place);
    if (accepted?.status !== 202) continue;
    const id = accepted.body.id as string;
    const plan = drawPlan();
    const entry: Placed = { id, buyer, userId, email, plan, disturbed: false };
    placed.push(entry);
    if (Math.random() < 0.1) {
      const again = await step(tally, 'order again, same key', place);
      if (again && again.body?.id !== id) tally.problems.push(`a replay of ${key} answered ${again.status} ${again.body?.id}, not ${id}`);
    }
    const done = (answer: Answer | undefined, expected: number) => {
      if (answer === undefined || isUnavailable(answer)) entry.disturbed = true;
      return answer?.status === expected;
    };
    if (plan === 'let expire') continue;
    if (plan === 'cancel') {
      done(await step(tally, 'cancel', () => buyer.post(`/api/orders/${id}/cancel`, {})), 200);
      continue;
    }
    const payment = await step(tally, 'start payment', () => buyer.post(`/api/orders/${id}/payment`));
    if (!done(payment, 201)) continue;
    if (plan === 'pay, then cancel') done(await step(tally, 'cancel', () => buyer.post(`/api/orders/${id}/cancel`, {})), 200);
    const outcome = plan === 'decline' ? 'failed' : 'succeeded';
    done(await step(tally, 'pay on the simulator', () => psp.post(`/v1/payments/${payment!.body.paymentId}/complete`, { outcome })), 200);
  }
}

/** The admin's loop until `stop`: a change to the catalog, the stock or a vendor every second or two. */
async function administrator(admin: Api, tally: Tally, stop: { now: boolean }): Promise<void> {
  const added: string[] = [];
  const vendors = (await admin.get('/api/admin/vendors')).body as { id: string }[];
  while (!stop.now) {
    await sleep(500 + below(1_500));
    const sku = encodeURIComponent(pick(catalog.skus));
    const roll = Math.random();
    if (roll < 0.3) {
      await step(tally, 'admin: adjust stock', () => admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: 1 + below(20), reason: 'soak' }));
    } else if (roll < 0.5) {
      const product = await step(tally, 'admin: read product', () => admin.get(`/api/products/${sku}`));
      if (product?.status === 200) {
        const priceCents = Math.max(0, product.body.priceCents + below(200) - 100);
        await step(tally, 'admin: change price', () => admin.patch(`/api/admin/products/${sku}`, { priceCents }));
      }
    } else if (roll < 0.65) {
      const newSku = `SOAK-${randomBytes(4).toString('hex').toUpperCase()}`;
      const product = { sku: newSku, title: `Soak ${newSku}`, priceCents: 500, currency: 'EUR', category: 'toys', onHand: 20 };
      if ((await step(tally, 'admin: add product', () => admin.post('/api/admin/products', product)))?.status === 201) {
        added.push(newSku);
        catalog.skus.push(newSku);
      }
    } else if (roll < 0.75 && added.length > 0) {
      const gone = added.shift()!;
      if ((await step(tally, 'admin: delete product', () => admin.delete(`/api/admin/products/${gone}`)))?.status === 204) {
        catalog.skus = catalog.skus.filter((kept) => kept !== gone);
      }
    } else {
      const [fault, body] = pick<[string, unknown]>([
        ['outage', { seconds: 3 + below(8), mode: pick(['unavailable', 'drop']) }],
        ['errors', { rate: pick([0, 0.3, 0.6]) }],
        ['garbage', { enabled: Math.random() < 0.5 }],
        ['latency', { ms: pick([0, 200, 2_000]) }],
        ['fluctuation', { mode: 'step', steps: 1, maxStep: 3 }],
        ['reset', undefined],
      ]);
      await step(tally, `admin: vendor ${fault}`, () => admin.post(`/api/admin/vendors/${pick(vendors).id}/simulate/${fault}`, body));
    }
  }
  for (const vendor of vendors) {
    await step(tally, 'admin: vendor reset', () => admin.post(`/api/admin/vendors/${vendor.id}/simulate/reset`));
    await step(tally, 'admin: vendor sync', () => admin.post(`/api/admin/vendors/${vendor.id}/sync`));
  }
}

/** What the chaos kills, in turn: the second worker and the second API; with `--crash-stores` the stores too. */
const VICTIMS = ['worker', 'api', 'redis', 'postgres'] as const;

/** A port whose next port is free too (the simulated vendors listen on a base port and the next). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const nextFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 1, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (nextFree) return port;
  }
}

/** The mails each order's buyer must have had once, by the order's final state. */
function mailsDue(order: { status: string; payment?: { refund?: string } }): string[] {
  const due = ['order-received'];
  if (order.status === 'FULFILLED' || order.status === 'FAILED') due.push('payment-confirmed');
  if (order.status === 'CANCELLED') due.push('order-cancelled');
  if (order.status === 'EXPIRED') due.push('order-expired');
  if (order.payment?.refund === 'due' && order.status !== 'FAILED') due.push('refund-due');
  if (order.status === 'FAILED') due.push('order-failed');
  return due.sort();
}

/** The final status a plan leads to when nothing disturbed it (a vendor may still fail a paid order). */
const PLANNED: Record<Plan, (status: string, refund: string | undefined) => boolean> = {
  pay: (status) => status === 'FULFILLED' || status === 'FAILED',
  decline: (status) => status === 'CANCELLED',
  cancel: (status) => status === 'CANCELLED',
  'pay, then cancel': (status, refund) => status === 'CANCELLED' && refund === 'due',
  'let expire': (status) => status === 'EXPIRED',
};

async function main(): Promise<number> {
  const machine = await describeMachine(POSTGRES_URL, REDIS_URL);
  const databaseName = uniqueName('fc_bench_soak');
  const prefix = uniqueName('fcsk');
  const ownStores = options.crashStores ? { postgres: await ThrowawayPostgres.create(), redis: await ThrowawayRedis.create() } : undefined;
  const postgresUrl = ownStores?.postgres.url ?? POSTGRES_URL;
  const redisUrl = ownStores?.redis.url ?? REDIS_URL;
  const url = databaseUrl(postgresUrl, databaseName);
  /** Every process started, killed ones included: their logs are read at the end. */
  const started: ServerProcess[] = [];
  const tearDown = tearDownBenchmark({
    meter: () => undefined,
    processes: started,
    stores: { postgresUrl, databaseName, redisUrl, prefix },
    log,
  });
  const tally = new Tally(options.crashStores);
  const placed: Placed[] = [];
  try {
    await ensureDatabaseExists(url);
    const [portA, portB, pspPort, smtpPort, vendorPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePortPair(),
    ];
    // One environment for every process, its secrets included: the APIs take each other's tokens.
    const shared = flashcartEnvironment({ databaseUrl: url, redisUrl, prefix, port: portA });
    const env = (port: number): Record<string, string> => ({
      ...shared,
      PORT: String(port),
      SEED_DEMO_CATALOG: 'true',
      PSP_SIM_PORT: String(pspPort),
      PSP_SIM_WEBHOOK_URL: `http://127.0.0.1:${portA}/api/payments/webhook`,
      SMTP_SINK_PORT: String(smtpPort),
      VENDOR_SIM_BASE_PORT: String(vendorPort),
      PUBLIC_URL: `http://127.0.0.1:${portA}`,
      RESERVATION_TTL_SECONDS: String(RESERVATION_TTL_SECONDS),
      PAYMENT_HOLD_EXTENSION_SECONDS: String(RESERVATION_TTL_SECONDS),
      VENDOR_SYNC_INTERVAL_SECONDS: '5',
      CART_RECONCILE_INTERVAL_MS: '10000',
    });
    const baseA = `http://127.0.0.1:${portA}`;
    const baseB = `http://127.0.0.1:${portB}`;
    const start = async (role: 'all' | 'api' | 'worker', port: number) => {
      const server = ServerProcess.flashcart(role, env(port));
      started.push(server);
      if (role !== 'worker') await waitUntilReady(`http://127.0.0.1:${port}`, server);
      return server;
    };
    // The first process runs every role (the simulators and the SMTP sink too) and is never killed;
    // the second API and the second worker are.
    await start('all', portA);
    const victims = { api: await start('api', portB), worker: await start('worker', portA) };
    log(`database ${databaseName}, Redis prefix ${prefix}; the APIs on ${baseA} and ${baseB}`);
    const admin = await adminApi(baseA, BENCH_ADMIN);
    catalog.skus = ((await admin.get('/api/products?limit=100')).body.items as { sku: string }[]).map((product) => product.sku);

    const stop = { now: false };
    const kills: string[] = [];
    const startedAt = Date.now();
    const chaos = (async () => {
      for (let turn = 0; !stop.now; turn++) {
        const next = Date.now() + options.killEvery * 1_000;
        while (!stop.now && Date.now() < next) await sleep(250);
        if (stop.now) break;
        const victim = VICTIMS[turn % (ownStores ? 4 : 2)]!;
        const at = `at ${n((Date.now() - startedAt) / 1_000)} s`;
        if (victim === 'redis' || victim === 'postgres') {
          if (victim === 'redis') await ownStores!.redis.kill('SIGKILL');
          else await ownStores!.postgres.stop('immediate');
          kills.push(`${victim} ${at}`);
          await sleep(3_000);
          await (victim === 'redis' ? ownStores!.redis.start() : ownStores!.postgres.start());
          continue;
        }
        process.kill(victims[victim].pid!, 'SIGKILL');
        await victims[victim].exited();
        kills.push(`${victim} ${at}`);
        await sleep(3_000);
        victims[victim] = await start(victim, victim === 'api' ? portB : portA);
      }
    })();
    log(
      `${options.buyers} buyers and an admin for ${options.seconds} s; a kill every ${options.killEvery} s of ${VICTIMS.slice(0, ownStores ? 4 : 2).join(', ')} in turn`,
    );
    const loops = [
      ...Array.from({ length: options.buyers }, (_, index) =>
        shopper(index % 2 === 0 ? baseA : baseB, `http://127.0.0.1:${pspPort}`, index, tally, placed, stop),
      ),
      administrator(admin, tally, stop),
    ];
    await sleep(options.seconds * 1_000);
    stop.now = true;
    await Promise.all([...loops, chaos]);
    log(`traffic stopped: ${placed.length} orders accepted; killed ${kills.join(', ') || 'nothing'}`);

    // Every accepted order settles: unpaid ones expire, paid ones are fulfilled or fail at a vendor.
    const finals = new Map<string, { status: string; payment?: { refund?: string } }>();
    // A job that ran out of attempts while a vendor or a store was down is a dead letter: retried, as an admin would.
    const retried = new Map<string, { job: string; reason: string }>();
    const settled = await pollUntil(async () => {
      const letters = (await admin.get('/api/admin/failed-jobs?status=failed&limit=100')).body.items as {
        id: string;
        queue: string;
        name: string;
        reason: string;
      }[];
      for (const letter of letters) {
        if (retried.has(letter.id)) continue;
        retried.set(letter.id, { job: `${letter.queue} ${letter.name}`, reason: letter.reason });
        await step(tally, 'admin: retry a dead letter', () => admin.post(`/api/admin/failed-jobs/${letter.id}/retry`));
      }
      for (const order of placed) {
        if (TERMINAL.has(finals.get(order.id)?.status ?? '')) continue;
        const answer = await order.buyer.get(`/api/orders/${order.id}`);
        if (answer.status === 200) finals.set(order.id, answer.body);
      }
      return placed.every((order) => TERMINAL.has(finals.get(order.id)?.status ?? ''));
    }, SETTLE_TIMEOUT_MS);
    const problems = [...tally.problems];
    if (!settled) {
      const open = placed.filter((order) => !TERMINAL.has(finals.get(order.id)?.status ?? ''));
      problems.push(
        `${open.length} accepted order(s) never settled, e.g. ${open.slice(0, 5).map((order) => `${order.id} ${finals.get(order.id)?.status}`)}`,
      );
    }
    const outcomes = new Map<string, number>();
    for (const order of placed) {
      const final = finals.get(order.id);
      const label = `${order.plan}${order.disturbed ? ' (disturbed)' : ''} → ${final?.status}${final?.payment?.refund ? `, refund ${final.payment.refund}` : ''}`;
      outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
      if (final && !order.disturbed && !PLANNED[order.plan](final.status, final.payment?.refund)) {
        problems.push(`order ${order.id} (${order.plan}) ended ${final.status}`);
      }
    }

    // The ledger of every SKU still on sale balances. A reservation no accepted order holds (its
    // request met a killed API or a store outage after the reservation was made) keeps its units
    // until the expiry sweeper releases it, a hold later: until then the gate may admit less.
    const unbalanced = new Map<string, string>();
    await pollUntil(
      async () => {
        unbalanced.clear();
        for (const sku of catalog.skus) {
          const ledger = await admin.get(`/api/admin/inventory/${encodeURIComponent(sku)}`);
          if (ledger.status !== 200 || ledger.body.reserved !== 0 || ledger.body.drift !== 0)
            unbalanced.set(sku, `${ledger.status} ${JSON.stringify(ledger.body)}`);
        }
        return unbalanced.size === 0;
      },
      (RESERVATION_TTL_SECONDS + 30) * 1_000,
    );
    const skusChecked = catalog.skus.length;
    for (const [sku, ledger] of unbalanced) problems.push(`${sku}'s ledger, a hold after the orders settled: ${ledger}`);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Every buyer's mail, once per event: the delivery rows are keyed per event, template and recipient.
      const mailsSettled = await pollUntil(async () => {
        const pending = await client.query(`SELECT count(*)::int AS n FROM email_deliveries WHERE status = 'pending'`);
        const outbox = await client.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`);
        return pending.rows[0].n === 0 && outbox.rows[0].n === 0;
      }, 60_000);
      if (!mailsSettled) problems.push('mail still pending a minute after the orders settled');
      const sent = await client.query<{ recipient: string; templates: string[] }>(
        `SELECT recipient, array_agg(template ORDER BY template) AS templates FROM email_deliveries WHERE status = 'sent' GROUP BY recipient`,
      );
      const mails = new Map(sent.rows.map((row) => [row.recipient, row.templates.join(', ')]));
      let mailsWrong = 0;
      for (const order of placed) {
        const final = finals.get(order.id);
        if (!final) continue;
        const due = mailsDue(final).join(', ');
        if (mails.get(order.email) !== due && ++mailsWrong <= 5) {
          problems.push(`${order.email} (${final.status}) had ${mails.get(order.email) ?? 'no mail'}, not ${due}`);
        }
      }
      if (mailsWrong > 5) problems.push(`… and ${mailsWrong - 5} more buyers with the wrong mail`);

      // Every cart in Redis equals its snapshot, once the persister has written the last changes.
      let cartsWrong = 0;
      const cartsMatch = await pollUntil(async () => {
        const carts = await client.query<{ user_id: string; version: string }>('SELECT user_id, version FROM carts');
        const snapshots = new Map(carts.rows.map((row) => [row.user_id, Number(row.version)]));
        cartsWrong = 0;
        for (const order of placed) {
          const cart = await order.buyer.get('/api/cart');
          if (cart.body.version !== 0 && snapshots.get(order.userId) !== cart.body.version) cartsWrong++;
        }
        return cartsWrong === 0;
      }, 30_000);
      if (!cartsMatch) problems.push(`${cartsWrong} cart(s) in Redis differ from their Postgres snapshot`);
      const letters = await client.query(`SELECT queue, name, reason FROM failed_jobs WHERE status = 'failed'`);
      for (const letter of letters.rows) problems.push(`dead letter: ${letter.queue} ${letter.name}: ${String(letter.reason).slice(0, 200)}`);
    } finally {
      await client.end();
    }
    // A dead letter is logged at error level: those retried above are expected, and counted.
    const expected = (line: string) => [...retried.values()].some(({ reason }) => line.includes(JSON.stringify(reason).slice(1, -1)));
    for (const server of started) {
      for (const line of server.errorLines()) if (!expected(line)) problems.push(`${server.role} logged: ${line.slice(0, 400)}`);
    }

    console.log(`\nflashcart soak under faults, ${new Date().toISOString()}`);
    console.log(
      `machine: ${machine.cores} cores ${machine.cpuModel}, Node ${machine.node}, Postgres ${machine.postgres}, Redis ${machine.redis}; load average before ${n(machine.loadBefore, 2)}`,
    );
    console.log(
      `load: ${options.buyers} buyers and an admin for ${options.seconds} s over two APIs${options.crashStores ? ', on stores of its own' : ''}; killed and restarted: ${kills.join(', ') || 'nothing'}`,
    );
    console.log(`requests that met a killed process: ${n(tally.unanswered)}`);
    console.log('answers by step:');
    for (const [label, count] of [...tally.statuses].sort()) console.log(`  ${label.padEnd(48)} ${n(count).padStart(8)}`);
    console.log(`orders accepted: ${n(placed.length)}; by plan and final status:`);
    for (const [label, count] of [...outcomes].sort()) console.log(`  ${label.padEnd(48)} ${n(count).padStart(8)}`);
    console.log(
      `ledgers checked: ${skusChecked} SKUs; dead letters retried (jobs out of attempts while a vendor or a store was down): ${retried.size}`,
    );
    for (const { job, reason } of retried.values()) console.log(`  ${job}: ${reason.slice(0, 160)}`);
    console.log(
      `checks (orders settled as planned, ledgers balanced, mail once per event, carts equal snapshots, no 5xx or undocumented answer, no error logged but the dead letters retried, none left): ${problems.length === 0 ? 'hold' : 'FAIL'}`,
    );
    for (const problem of problems.slice(0, 40)) console.log(`  - ${problem}`);
    console.log(
      `reproduce: node --import tsx bench/soak.ts --seconds ${options.seconds} --buyers ${options.buyers} --kill-every ${options.killEvery}${options.crashStores ? ' --crash-stores' : ''}`,
    );
    return problems.length === 0 ? 0 : 1;
  } finally {
    await tearDown();
    await ownStores?.redis.destroy();
    await ownStores?.postgres.destroy();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('the soak could not run:', error);
    process.exitCode = 2;
  },
);
