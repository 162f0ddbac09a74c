import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { RedisKeys } from '../../src/redis/keys.js';
import { createProduct, inventoryOf } from '../support/fixtures.js';
import { type Answer, type Api, adminApi, eventually, guests } from '../support/http.js';
import { expectEveryAcceptedOrderPersisted, expectLedgerBalanced, persistedOrderCount } from '../support/persisted-orders.js';
import { type ChildRole, createTestStores, spawnRole, type TestStores, tearDownAfterRedisFaults } from '../support/system.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis.js';

/** Orders accepted before the crash, each held only in Redis when Redis dies. */
const ACCEPTED = 50;
const ON_HAND = 200;
/** The buyer whose order meets the outage, then is retried with the same key once Redis is back. */
const LATE = ACCEPTED;
/** How long an answer may take before the test calls it a hang; generous for a loaded two-core machine. */
const HANG_MS = 30_000;
/** Long enough that the clients are well into their reconnect backoff, each attempt further apart than the last. */
const OUTAGE_MS = 6_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const quantityOf = (i: number) => 1 + (i % 3);
const unitsOf = (count: number) => Array.from({ length: count }, (_, i) => quantityOf(i)).reduce((a, b) => a + b, 0);

/** The promise's outcome, or a failure naming what hung. */
async function answersWithin<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${HANG_MS / 1_000} s`)), HANG_MS);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Invariant 2 through a Redis crash: between the 202 and the persist job, an accepted order lives
 * only in Redis (its reservation, its idempotency record and its entry in the persist stream). With the append-only
 * file fsynced on every write, a Redis killed with SIGKILL and started again replays all of it, and
 * a worker started afterwards writes every accepted order to Postgres.
 */
describe('accepted orders through a Redis crash (SIGKILL, AOF appendfsync always)', () => {
  let redis: ThrowawayRedis;
  let stores: TestStores;
  let keys: RedisKeys;
  let api: ChildRole;
  let worker: ChildRole | undefined;
  let admin: Api;
  let buyers: Api[];

  const alive = (role: ChildRole) => role.child.exitCode === null && role.child.signalCode === null;

  /** What the throwaway Redis holds for these orders: which reservations, and how many hand-offs wait in the persist stream. */
  const redisHolds = async (orderIds: string[]) => {
    const client = redis.client();
    try {
      await client.connect();
      const reservations = await Promise.all(orderIds.map((id) => client.exists(keys.reservation(id))));
      const entries = await client.xrange(keys.persistStream(), '-', '+');
      const handedOff = orderIds.filter((id) => entries.some(([, fields]) => fields.join().includes(id)));
      return { reservations: reservations.filter((n) => n === 1).length, handedOff: handedOff.length, backlog: entries.length };
    } finally {
      client.disconnect();
    }
  };

  /** How many connections listen on the product cache's invalidation channel. */
  const catalogSubscribers = async () => {
    const client = redis.client();
    try {
      await client.connect();
      const [, count] = (await client.pubsub('NUMSUB', keys.catalogChannel())) as [string, number];
      return Number(count);
    } finally {
      client.disconnect();
    }
  };

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    stores = await createTestStores({ redisUrl: redis.url });
    keys = new RedisKeys(stores.prefix);
    // The API alone: no worker runs until Redis has crashed and come back, so every accepted order
    // is in Redis only when it dies.
    api = await spawnRole(stores, 'api');
    admin = await adminApi(api.url!);
    buyers = await guests(api.url!, ACCEPTED + 1);
  });

  afterAll(() => tearDownAfterRedisFaults(redis, stores, [worker, api]));

  it('loses no accepted order, refuses new ones with 503 while Redis is down, and recovers by itself', async () => {
    onTestFailed(() => {
      console.error(`flashcart api ${alive(api) ? 'still running' : 'exited'}; its last output:\n${api.output().slice(-6_000)}`);
      if (worker) console.error(`worker's last output:\n${worker.output().slice(-4_000)}`);
      console.error(`redis-server's log:\n${redis.log().slice(-4_000)}`);
    });
    const sku = await createProduct(admin, { onHand: ON_HAND });
    const place = (i: number) => buyers[i]!.order([{ sku, quantity: quantityOf(i) }], `redis-restart-${i}`);

    // 1. Orders accepted while no worker runs: each is held in Redis only.
    const accepted: Answer[] = await Promise.all(Array.from({ length: ACCEPTED }, (_, i) => place(i)));
    expect(accepted.map((answer) => answer.status)).toEqual(Array(ACCEPTED).fill(202));
    const acceptedIds = accepted.map((answer) => answer.body.id as string);
    expect(new Set(acceptedIds).size).toBe(ACCEPTED);
    const acceptedUnits = unitsOf(ACCEPTED);

    expect(await persistedOrderCount(admin)).toBe(0);
    expect(await inventoryOf(admin, sku)).toMatchObject({
      onHand: ON_HAND,
      reserved: 0,
      gateAvailable: ON_HAND - acceptedUnits,
      drift: -acceptedUnits,
    });
    const beforeCrash = await redisHolds(acceptedIds);
    expect(beforeCrash).toEqual({ reservations: ACCEPTED, handedOff: ACCEPTED, backlog: ACCEPTED });
    expect(await catalogSubscribers()).toBe(1);

    // 2. Redis crashes: no shutdown, no final flush; only what the AOF has survives.
    await redis.kill('SIGKILL');

    const outageStarted = Date.now();

    // Nothing can be accepted without Redis (the gates and the persist stream live there): a clean 503, not a
    // 500, not a hang; at once, and again once the clients have been reconnecting for a while.
    const expectRefusedWhileDown = async (when: string) => {
      const refused = await answersWithin(place(LATE), `POST /api/orders ${when}`);
      expect(refused.status, `POST /api/orders ${when}: ${JSON.stringify(refused.body)}`).toBe(503);
      expect(refused.body.error.code).toBe('UNAVAILABLE');
      expect(refused.headers.get('retry-after')).toBe('1');

      const notReady = await answersWithin(admin.get('/ready'), `GET /ready ${when}`);
      expect(notReady.status).toBe(503);
      expect(notReady.body).toMatchObject({
        status: 'unavailable',
        dependencies: { postgres: { status: 'up' }, redis: { status: 'down' } },
      });
      expect(alive(api), `the API died while Redis was down:\n${api.output()}`).toBe(true);
    };
    await expectRefusedWhileDown('just after Redis died');
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStarted)));
    await expectRefusedWhileDown(`${OUTAGE_MS / 1_000} s into the outage`);

    // 3. Redis starts again on the same port and directory and replays its AOF.
    await redis.start();
    expect(redis.log()).toMatch(/DB loaded from (append only file|incr file)/);

    // The same API process reconnects by itself: its commands, and the product cache's subscription.
    await eventually(async () => ((await admin.get('/ready')).status === 200 ? true : undefined), 'the API to be ready again');
    await eventually(async () => ((await catalogSubscribers()) === 1 ? true : undefined), 'the product cache to subscribe again');

    // Every accepted order is back in Redis: reservation, hand-off, and the units it took from the gate.
    expect(await redisHolds(acceptedIds)).toEqual({ reservations: ACCEPTED, handedOff: ACCEPTED, backlog: ACCEPTED });
    expect(await persistedOrderCount(admin)).toBe(0);
    expect(await inventoryOf(admin, sku)).toMatchObject({ reserved: 0, gateAvailable: ON_HAND - acceptedUnits });

    // An accepted order is readable (from its reservation) before any worker has written it.
    const early = await buyers[0]!.get(`/api/orders/${acceptedIds[0]}`);
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ id: acceptedIds[0], status: 'PENDING', items: [{ sku, quantity: quantityOf(0) }] });

    // The order refused during the outage is accepted when retried with the same key.
    const retried = await answersWithin(place(LATE), 'POST /api/orders after Redis is back');
    expect(retried.status).toBe(202);
    const allIds = [...acceptedIds, retried.body.id as string];
    expect(new Set(allIds).size).toBe(ACCEPTED + 1);
    const allUnits = unitsOf(ACCEPTED + 1);

    // 4. A worker started now persists every order the crashed Redis held, and the retried one.
    worker = await spawnRole(stores, 'worker');
    await expectEveryAcceptedOrderPersisted(admin, allIds);
    await expectLedgerBalanced(admin, sku, ON_HAND, allUnits);

    // Every hand-off ended once its order was stored.
    const settled = await eventually(async () => {
      const holds = await redisHolds(allIds);
      return holds.backlog === 0 ? holds : undefined;
    }, 'the persist stream to drain');
    expect(settled).toMatchObject({ handedOff: 0, backlog: 0 });
    expect(alive(api), `the API died after Redis came back:\n${api.output()}`).toBe(true);
    expect(alive(worker), `the worker died:\n${worker.output()}`).toBe(true);
  });
});
