import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createProduct, inventoryOf } from '../support/fixtures.js';
import { type Api, adminApi, eventually, guests } from '../support/http.js';
import { TestSocket } from '../support/sockets.js';
import { type ChildRole, createTestStores, spawnRole, type TestStores, tearDownAfterRedisFaults } from '../support/system.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis.js';

const ON_HAND = 10;
/** Short holds, so the expiry sweeper (a scheduled job) shows within the test that it runs again. */
const SHORT_HOLD = { RESERVATION_TTL_SECONDS: '2' };

/**
 * A Redis that comes back empty (one run without persistence and restarted, or a failover to an
 * empty replica) under running processes. Orders Redis alone held are gone with it, which is why
 * production runs Redis with its append-only file (OPERATIONS); but the processes must carry on
 * without a restart: the persist stream's consumer group and the job schedulers were in Redis too.
 * Until they were put back, an order accepted afterwards was answered 202 and never reached
 * Postgres, no scheduled job ran again, and the worker could not stop within its grace period; and
 * the presence of sockets still connected was gone, so no cart change reached them.
 */
describe('Redis restarted empty under a running API and worker', () => {
  let redis: ThrowawayRedis;
  let stores: TestStores;
  let api: ChildRole;
  let worker: ChildRole;
  let admin: Api;
  let buyers: Api[];
  let db: pg.Client;
  let socket: TestSocket | undefined;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    stores = await createTestStores({ redisUrl: redis.url });
    api = await spawnRole(stores, 'api', SHORT_HOLD);
    worker = await spawnRole(stores, 'worker', SHORT_HOLD);
    admin = await adminApi(api.url!);
    buyers = await guests(api.url!, 2);
    db = new pg.Client({ connectionString: stores.env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    socket?.close();
    await db?.end();
    await tearDownAfterRedisFaults(redis, stores, [worker, api]);
  });

  /** The order's status in Postgres, as the admin's order list shows it; undefined while it is not there. */
  const statusOf = async (orderId: string) => {
    const answer = await admin.get('/api/admin/orders?limit=100');
    return (answer.body.items as { id: string; status: string }[]).find((order) => order.id === orderId)?.status;
  };
  const unpublishedOutboxRows = async () => Number((await db.query('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')).rows[0].n);

  it('persists and expires the orders it accepts afterwards, runs its scheduled jobs again, and stops cleanly', async () => {
    onTestFailed(() => {
      console.error(`api's last output:\n${api.output().slice(-4_000)}`);
      console.error(`worker's last output:\n${worker.output().slice(-6_000)}`);
    });
    const sku = await createProduct(admin, { onHand: ON_HAND });

    // Before: an order is accepted, stored and expired as usual.
    const before = await buyers[0]!.order([{ sku, quantity: 2 }], 'before-the-loss');
    expect(before.status).toBe(202);
    await eventually(async () => ((await statusOf(before.body.id)) === 'EXPIRED' ? true : undefined), 'the first order to expire');

    // A device of the second buyer has the shop open: a socket to the API, which Redis's loss leaves connected.
    socket = new TestSocket(api.url!, { token: buyers[1]!.token });
    await socket.connected();
    await socket.next('cart:update');

    // Redis loses everything and comes back empty on the same port.
    await redis.wipe();
    await redis.start();
    await eventually(async () => ((await admin.get('/ready')).status === 200 ? true : undefined), 'the API to be ready again');

    // A change of the cart from another device reaches the connected one: its presence was written again.
    const added = await eventually(async () => {
      const answer = await buyers[1]!.post('/api/cart/items', { sku, quantity: 1 });
      return answer.status === 200 ? answer : undefined;
    }, 'a cart change to be answered after the loss');
    const pushed = await socket.next<{ version: number; items: unknown[] }>('cart:update', (cart) => cart.version === added.body.version);
    expect(pushed.items).toEqual([expect.objectContaining({ sku, quantity: 1 })]);

    // An order accepted now reaches Postgres (the persist group is back) and expires there (the
    // sweeper's schedule is back); the side effects of both changes leave the outbox (so is the relay's).
    const after = await eventually(async () => {
      const answer = await buyers[1]!.order([{ sku, quantity: 3 }], 'after-the-loss');
      return answer.status === 202 ? answer : undefined;
    }, 'an order to be accepted after the loss');
    await eventually(async () => ((await statusOf(after.body.id)) === 'EXPIRED' ? true : undefined), 'the order accepted after the loss to expire');
    await eventually(async () => ((await unpublishedOutboxRows()) === 0 ? true : undefined), 'the outbox relay to hand on every event');

    // Its units were held once and given back once: the stock is whole, in Postgres and in Redis.
    expect(await inventoryOf(admin, sku)).toMatchObject({ onHand: ON_HAND, reserved: 0, sold: 0, gateAvailable: ON_HAND, drift: 0 });

    // Both processes stop within their grace period.
    await worker.kill('SIGTERM');
    await api.kill('SIGTERM');
    expect({ worker: worker.child.exitCode, api: api.child.exitCode }).toEqual({ worker: 0, api: 0 });
  });
});
