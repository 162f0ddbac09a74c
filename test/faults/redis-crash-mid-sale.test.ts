import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createProduct, inventoryOf } from '../support/fixtures.js';
import { type Api, adminApi, eventually, guests, settleConcurrently } from '../support/http.js';
import { persistStreamState } from '../support/persist-stream.js';
import { persistedOrderIds } from '../support/persisted-orders.js';
import { type ChildRole, createTestStores, spawnRole, type TestStores, tearDownAfterRedisFaults } from '../support/system.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis.js';

const UNITS = 3_000;
const BUYERS = 6_000;
/** How long into the sale Redis dies. */
const KILL_AFTER_MS = 300;
/**
 * How long it stays down: longer than a command's reconnect retries (ioredis retries a command over
 * two reconnect attempts, a few hundred ms), so the requests in flight fail rather than wait it out.
 */
const DOWN_MS = 1_500;

/**
 * The hand-off to persistence is part of the reservation: Redis (appendonly yes, appendfsync always)
 * killed with SIGKILL a moment into a flash sale. Buyers whose request met the crash get an error,
 * but no reservation is left without its hand-off: every order answered 202 is stored and readable,
 * and once the persist backlog has drained the gate equals the ledger, with no unit held by a
 * reservation that only expiry would give back.
 */
describe('a Redis crash in the middle of a flash sale (SIGKILL, AOF appendfsync always)', () => {
  let redis: ThrowawayRedis;
  let stores: TestStores;
  let api: ChildRole;
  let worker: ChildRole | undefined;
  let admin: Api;
  let buyers: Api[];

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    stores = await createTestStores({ redisUrl: redis.url });
    api = await spawnRole(stores, 'api');
    admin = await adminApi(api.url!);
    buyers = await guests(api.url!, BUYERS, 100);
  });

  afterAll(() => tearDownAfterRedisFaults(redis, stores, [worker, api]));

  it('keeps every order answered 202, and leaves no unit held by a reservation without a hand-off', async () => {
    onTestFailed(() => {
      console.error(`api's last output:\n${api.output().slice(-4_000)}`);
      if (worker) console.error(`worker's last output:\n${worker.output().slice(-4_000)}`);
      console.error(`redis-server's log:\n${redis.log().slice(-2_000)}`);
    });
    const sku = await createProduct(admin, { onHand: UNITS });
    await inventoryOf(admin, sku); // loads the gate, so the sale starts at full speed

    const sale = settleConcurrently(
      buyers.map((buyer, i) => () => buyer.order([{ sku, quantity: 1 }], `mid-sale-${i}`)),
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, KILL_AFTER_MS));
    await redis.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
    // Back, replaying its AOF: the sale goes on against what survived.
    await redis.start();

    const results = await sale;
    const answers = results.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
    const accepted = answers.filter((answer) => answer?.status === 202).map((answer) => answer!.body.id as string);
    const failed = answers.filter((answer) => answer === undefined || answer.status >= 500).length;
    const refused = answers.filter((answer) => answer?.status === 409).length;
    // The crash met the sale: some buyers got an error, and no answer was anything but 202, 409 or a failure.
    expect(failed).toBeGreaterThan(0);
    expect(accepted.length + refused + failed).toBe(BUYERS);
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(UNITS);

    worker = await spawnRole(stores, 'worker');
    await eventually(
      async () => {
        const state = await persistStreamState(redis.url, stores.prefix);
        return state.backlog === 0 && state.pending === 0 ? true : undefined;
      },
      'the persist backlog to drain',
      120_000,
    );

    // Every 202 is stored (and more may be: a request whose script ran but whose answer the crash cut).
    const stored = await persistedOrderIds(admin);
    expect(accepted.filter((id) => !stored.has(id))).toEqual([]);
    const readable = await Promise.all(
      accepted.slice(0, 50).map(async (id) => {
        const i = answers.findIndex((answer) => answer?.body?.id === id);
        return (await buyers[i]!.get(`/api/orders/${id}`)).body.status;
      }),
    );
    expect(readable).toEqual(Array(readable.length).fill('PENDING'));

    // Each stored order holds one unit, the ledger counts exactly those, and the gate admits exactly the rest.
    const view = await inventoryOf(admin, sku);
    expect(view).toMatchObject({ onHand: UNITS, reserved: stored.size, sold: 0, gateAvailable: UNITS - stored.size, drift: 0 });
  });
});
