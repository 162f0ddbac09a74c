import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createProduct, inventoryOf } from '../support/fixtures.js';
import { type Answer, type Api, adminApi, eventually, guests } from '../support/http.js';
import { expectEveryAcceptedOrderPersisted, expectLedgerBalanced } from '../support/persisted-orders.js';
import { databaseUrl } from '../support/stores.js';
import { type ChildRole, createTestStores, spawnRole, type TestStores } from '../support/system.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres.js';

const OUTAGE_MS = 10_000;
/** Orders persisted before the outage, orders whose persist transaction the outage cuts, orders placed during it. */
const BEFORE = 5;
const IN_FLIGHT = 5;
const DURING = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Invariant 2 through a database outage: the hot path needs only Redis, so orders keep being
 * accepted while Postgres is down, and their persist jobs retry until it is back.
 */
describe('persistence through a Postgres outage', () => {
  let postgres: ThrowawayPostgres;
  let stores: TestStores;
  let system: ChildRole;
  let admin: Api;
  let buyers: Api[];

  const alive = () => system.child.exitCode === null && system.child.signalCode === null;

  /** A direct connection to the test database, for what the API cannot do: hold a row lock, watch backends. */
  const connect = async () => {
    const client = new pg.Client({ connectionString: databaseUrl(postgres.url, stores.databaseName) });
    // The outage cuts this connection too; that is expected, not a test failure.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    stores = await createTestStores({ postgresUrl: postgres.url });
    // API and workers in one child process, as `npm start` runs them: a crash on a lost connection ends it.
    system = await spawnRole(stores, 'all');
    admin = await adminApi(system.url!);
    buyers = await guests(system.url!, BEFORE + IN_FLIGHT + DURING);
  });

  afterAll(async () => {
    await system?.kill();
    if (postgres) await postgres.start().catch(() => undefined);
    await stores?.cleanup();
    await postgres?.destroy();
  });

  it('accepts orders while Postgres is down for 10 seconds, and all of them reach Postgres', async () => {
    onTestFailed(() => {
      const exit = alive() ? 'still running' : `exited (${system.child.exitCode ?? system.child.signalCode})`;
      console.error(`flashcart ${exit}; its last output:\n${system.output().slice(-6_000)}`);
    });
    const onHand = 100;
    const sku = await createProduct(admin, { onHand });
    const quantityOf = (i: number) => 1 + (i % 3);
    const place = (i: number) => buyers[i]!.order([{ sku, quantity: quantityOf(i) }], `outage-${i}`);

    const before: Answer[] = [];
    for (let i = 0; i < BEFORE; i++) before.push(await place(i));
    expect(before.map((answer) => answer.status)).toEqual(Array(BEFORE).fill(202));
    const unitsBefore = before.reduce((sum, _answer, i) => sum + quantityOf(i), 0);
    await eventually(async () => ((await inventoryOf(admin, sku)).reserved === unitsBefore ? true : undefined), 'the first orders to be persisted');

    // Hold the SKU's ledger row, so the next persist transactions are open and waiting on it (each
    // holding a pooled connection) at the moment Postgres goes away. Orders persisted at the same
    // moment share a transaction, so the in-flight orders are in one or more of them.
    const locker = await connect();
    const watcher = await connect();
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM inventory WHERE sku = $1 FOR UPDATE', [sku]);
    const inFlight = await Promise.all(Array.from({ length: IN_FLIGHT }, (_, j) => place(BEFORE + j)));
    expect(inFlight.map((answer) => answer.status)).toEqual(Array(IN_FLIGHT).fill(202));
    await eventually(async () => {
      const waiting = await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [
        stores.databaseName,
      ]);
      return waiting.rows[0].n >= 1 ? true : undefined;
    }, 'persist transactions to wait on the ledger row');

    await postgres.stop('immediate');
    const outageStarted = Date.now();
    await Promise.allSettled([locker.end(), watcher.end()]);

    const ready = await admin.get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.dependencies).toMatchObject({ postgres: { status: 'down' }, redis: { status: 'up' } });

    // The hot path prices from the product cache and reserves in Redis: Postgres is not needed.
    const during = await Promise.all(Array.from({ length: DURING }, (_, j) => place(BEFORE + IN_FLIGHT + j)));
    expect(during.map((answer) => answer.status)).toEqual(Array(DURING).fill(202));
    const replay = await place(BEFORE + IN_FLIGHT);
    expect(replay.status).toBe(202);
    expect(replay.body.id).toBe(during[0]!.body.id);

    // An order is readable from its Redis reservation whether or not it reached Postgres before the outage.
    for (const [i, answer] of [
      [BEFORE + IN_FLIGHT, during[0]!],
      [BEFORE, inFlight[0]!],
      [0, before[0]!],
    ] as const) {
      const read = await buyers[i]!.get(`/api/orders/${answer.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: answer.body.id, status: 'PENDING', items: [{ sku, quantity: quantityOf(i) }] });
    }

    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStarted)));
    expect(alive(), `the system died during the outage:\n${system.output()}`).toBe(true);
    expect((await admin.get('/ready')).status).toBe(503);

    await postgres.start();

    await eventually(async () => ((await admin.get('/ready')).status === 200 ? true : undefined), 'readiness after Postgres is back');
    const accepted = [...before, ...inFlight, ...during];
    const acceptedIds = accepted.map((answer) => answer.body.id as string);
    const acceptedUnits = accepted.reduce((sum, _answer, i) => sum + quantityOf(i), 0);
    await expectEveryAcceptedOrderPersisted(admin, acceptedIds);
    await expectLedgerBalanced(admin, sku, onHand, acceptedUnits);
    expect(alive(), `the system died after the outage:\n${system.output()}`).toBe(true);
  });
});
