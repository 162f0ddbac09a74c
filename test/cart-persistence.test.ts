import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { Container } from '../src/container.js';
import type { StoredCart } from '../src/redis/cart-store.js';
import { createProduct } from './support/fixtures.js';
import { type Api, eventually, guests, settleInWaves } from './support/http.js';
import { deleteRedisPrefix, REDIS_URL } from './support/stores.js';
import { useSystem } from './support/system.js';

/** The user id a token names (its `sub`). */
const userIdOf = (buyer: Api) => JSON.parse(Buffer.from(buyer.token!.split('.')[1]!, 'base64url').toString()).sub as string;

/** Every cart's snapshot in Postgres next to its copy in Redis. */
async function bothSides(container: Container, userIds: string[]): Promise<{ stored: (StoredCart | undefined)[]; live: (StoredCart | null)[] }> {
  const [stored, live] = await Promise.all([container.cartsRepository.findMany(userIds), container.cartStore.readMany(userIds)]);
  return { stored: userIds.map((id) => stored.get(id)), live };
}

async function counter(container: Container, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await container.metrics.registry.getSingleMetric(name)!.get();
  return metric.values
    .filter((value) => Object.entries(labels).every(([k, v]) => value.labels[k] === v))
    .reduce((sum, value) => sum + value.value, 0);
}

/** Runs `count` adds of one unit, spread over the buyers and SKUs, `concurrency` at a time; all must succeed. */
async function addMany(buyers: Api[], skus: string[], count: number, offset: number, concurrency = 100): Promise<void> {
  const results = await settleInWaves(
    Array.from({ length: count }, (_, n) => {
      const i = n + offset;
      return () =>
        buyers[i % buyers.length]!.post('/api/cart/items', { sku: skus[(i * 7 + Math.floor(i / buyers.length)) % skus.length], quantity: 1 });
    }),
    concurrency,
  );
  const statuses = results.map((result) => (result.status === 'fulfilled' ? result.value.status : String(result.reason)));
  expect(statuses.filter((status) => status !== 200)).toEqual([]);
}

describe('write-behind cart persistence, each tick of the persister run by the test', () => {
  // No worker: the test runs the persister's ticks itself, so it knows how many there were.
  const sut = useSystem({ api: true, worker: false });

  it('writes 10,000 changes to 500 carts in two ticks as at most 1,000 rows, every snapshot then equal to its Redis cart', async () => {
    const skus = await Promise.all(Array.from({ length: 10 }, () => createProduct(sut.admin, { onHand: 1_000_000, priceCents: 100 })));
    const buyers = await guests(sut.system.url!, 500);
    const { container } = sut.system;
    const changesBefore = await counter(container, 'flashcart_cart_changes_total', { source: 'owner' });

    let writes = 0;
    let statements = 0;
    for (const burst of [0, 5_000]) {
      await addMany(buyers, skus, 5_000, burst);
      const tick = await container.cartPersister.drain();
      writes += tick.written;
      statements += tick.statements;
    }

    const changes = (await counter(container, 'flashcart_cart_changes_total', { source: 'owner' })) - changesBefore;
    expect(changes).toBe(10_000);
    expect(await counter(container, 'flashcart_cart_writes_total', { outcome: 'written' })).toBe(writes);
    console.log(
      `cart persistence: ${changes} changes cost ${writes} row writes in ${statements} statements (${((writes / changes) * 100).toFixed(1)} %, ` +
        `${(100 - (writes / changes) * 100).toFixed(1)} % fewer than writing through)`,
    );
    expect(writes).toBeLessThanOrEqual(1_000);
    expect(await container.cartStore.dirtyCount()).toBe(0);

    const { stored, live } = await bothSides(container, buyers.map(userIdOf));
    live.forEach((cart, i) => {
      expect(cart!.lines.reduce((sum, line) => sum + line.quantity, 0)).toBe(20);
      expect(stored[i]).toEqual(cart);
    });
  });

  it('never lets an older snapshot, or another of the same version, overwrite the stored one', async () => {
    const sku = await createProduct(sut.admin, { onHand: 100 });
    const [buyer] = await guests(sut.system.url!, 1);
    const userId = userIdOf(buyer!);
    for (let i = 0; i < 3; i++) await buyer!.post('/api/cart/items', { sku, quantity: 1 });
    await sut.system.container.cartPersister.drain();
    const { cartsRepository } = sut.system.container;
    const stored = (await cartsRepository.find(userId))!;
    expect(stored).toMatchObject({ version: 3, lines: [{ sku, quantity: 3 }] });

    const older = { ...stored, version: 2, lines: [{ sku, quantity: 2 }] };
    const sameVersion = { ...stored, lines: [{ sku, quantity: 99 }] };
    expect((await cartsRepository.upsert([older, sameVersion])).size).toBe(0);
    expect(await cartsRepository.find(userId)).toEqual(stored);
  });

  it('writes a cart with a notice once: draining it again (a crash before the ack, overlapping ticks) finds it stored and changes nothing', async () => {
    const [kept, gone] = [await createProduct(sut.admin, { onHand: 10 }), await createProduct(sut.admin, { onHand: 10 })];
    const [buyer] = await guests(sut.system.url!, 1);
    const userId = userIdOf(buyer!);
    const { container } = sut.system;
    await buyer!.post('/api/cart/items', { sku: kept, quantity: 1 });
    await buyer!.post('/api/cart/items', { sku: gone, quantity: 1 });
    expect((await sut.admin.delete(`/api/admin/products/${gone}`)).status).toBe(204);
    // No worker: the read removes the deleted product's line and leaves its notice.
    expect((await buyer!.get('/api/cart')).body).toMatchObject({ version: 3, notices: [{ sku: gone, reason: 'deleted' }] });
    expect(await container.cartPersister.drain()).toMatchObject({ written: 1, conflicts: 0 });

    await container.cartStore.markDirty([userId]);
    expect(await container.cartPersister.drain()).toMatchObject({ carts: 1, written: 0, conflicts: 0 });
    expect((await container.cartStore.read(userId))?.version).toBe(3);
    expect(await container.cartStore.areDirty([userId])).toEqual([false]);
  });

  it('keeps a cart marked when its owner changes it while a refused write is being settled, so the change still reaches Postgres', async () => {
    const sku = await createProduct(sut.admin, { onHand: 100 });
    const [buyer] = await guests(sut.system.url!, 1);
    const userId = userIdOf(buyer!);
    const { container } = sut.system;
    for (let i = 0; i < 5; i++) await buyer!.post('/api/cart/items', { sku, quantity: 1 });
    await container.cartPersister.drain();
    // Postgres ahead of Redis (a write in flight when Redis lost the cart), and Redis marked at v5.
    const stored = (await container.cartsRepository.find(userId))!;
    await container.cartsRepository.upsert([{ ...stored, version: 6, lines: [{ sku, quantity: 9 }] }]);
    await container.cartStore.markDirty([userId]);
    // The owner's change lands between the refused write and its settling: Redis reaches v6 too, with other lines.
    const findMany = container.cartsRepository.findMany.bind(container.cartsRepository);
    const lookups = vi.spyOn(container.cartsRepository, 'findMany').mockImplementationOnce(async (userIds) => {
      expect((await buyer!.post('/api/cart/items', { sku, quantity: 1 })).body).toMatchObject({ version: 6, items: [{ quantity: 6 }] });
      return findMany(userIds);
    });
    onTestFinished(() => lookups.mockRestore());
    await container.cartPersister.drain();
    expect(lookups).toHaveBeenCalled();

    await container.cartPersister.drain();
    await container.cartPersister.drain();
    const { stored: after, live } = await bothSides(container, [userId]);
    expect(after).toEqual(live);
    expect(live[0]).toMatchObject({ lines: [{ sku, quantity: 6 }] });
  });

  it('reconciles: marks a cart newer in Redis whose dirty mark was lost, reloads one older than its snapshot, and counts both as drift', async () => {
    const sku = await createProduct(sut.admin, { onHand: 100 });
    const [lostMark, behind] = await guests(sut.system.url!, 2);
    const { container } = sut.system;
    await lostMark!.post('/api/cart/items', { sku, quantity: 1 });
    await behind!.post('/api/cart/items', { sku, quantity: 1 });
    await container.cartPersister.drain();

    // A change whose dirty mark is then lost.
    await lostMark!.post('/api/cart/items', { sku, quantity: 1 });
    await container.redis.srem(container.keys.dirtyCarts(), userIdOf(lostMark!));
    // A snapshot newer than Redis, as after Redis came back from an older append-only file.
    const newer = { ...(await container.cartsRepository.find(userIdOf(behind!)))!, version: 7, lines: [{ sku, quantity: 5 }] };
    await container.cartsRepository.upsert([newer]);

    const result = await container.cartReconciler.reconcile();
    expect(result).toMatchObject({ unmarked: 1, redisBehind: 1 });
    const drift = (await container.metrics.registry.getSingleMetric('flashcart_cart_drift')!.get()).values;
    expect(drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { kind: 'unmarked' }, value: 1 }),
        expect.objectContaining({ labels: { kind: 'redis_behind' }, value: 1 }),
      ]),
    );
    expect((await behind!.get('/api/cart')).body).toMatchObject({ version: 7, items: [{ sku, quantity: 5 }] });

    await container.cartPersister.drain();
    const { stored, live } = await bothSides(container, [userIdOf(lostMark!), userIdOf(behind!)]);
    expect(stored).toEqual(live);
    expect(stored[0]).toMatchObject({ version: 2, lines: [{ sku, quantity: 2 }] });
    // Healed: nothing drifts any more.
    expect(await container.cartReconciler.reconcile()).toMatchObject({ unmarked: 0, redisBehind: 0 });
  });
});

describe('carts when Redis loses them mid-run', () => {
  const sut = useSystem({ api: true, worker: true }, { CART_PERSIST_INTERVAL_MS: '200' });

  it('rebuilds carts from Postgres, never older than their last persisted version, and converges', async () => {
    const skus = await Promise.all(Array.from({ length: 5 }, () => createProduct(sut.admin, { onHand: 1_000_000, priceCents: 150 })));
    const buyers = await guests(sut.system.url!, 40);
    const userIds = buyers.map(userIdOf);
    const { container } = sut.system;

    // Quiet first: every cart persisted, then the carts alone deleted from Redis.
    await addMany(buyers, skus, 400, 0, 40);
    await eventually(async () => ((await container.cartStore.dirtyCount()) === 0 ? true : undefined), 'the persister to write every cart');
    const persisted = await container.cartsRepository.findMany(userIds);
    await deleteRedisPrefix(REDIS_URL, `${sut.stores.prefix}:{cart}`);
    for (const [i, buyer] of buyers.entries()) {
      const cart = (await buyer.get('/api/cart')).body;
      const snapshot = persisted.get(userIds[i]!)!;
      expect(cart.version).toBe(snapshot.version);
      expect(cart.items.map(({ sku, quantity }: { sku: string; quantity: number }) => ({ sku, quantity }))).toEqual(snapshot.lines);
    }

    // Then mid-run: changes keep coming while the carts are deleted again.
    const running = addMany(buyers, skus, 2_000, 400, 40);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const beforeFlush = await container.cartsRepository.versions(userIds);
    await deleteRedisPrefix(REDIS_URL, `${sut.stores.prefix}:{cart}`);
    await running;

    await eventually(async () => ((await container.cartStore.dirtyCount()) === 0 ? true : undefined), 'the persister to write every cart');
    const { stored, live } = await bothSides(container, userIds);
    for (const [i, buyer] of buyers.entries()) {
      const cart = (await buyer.get('/api/cart')).body;
      expect(cart.version).toBeGreaterThanOrEqual(beforeFlush.get(userIds[i]!) ?? 0);
      expect(cart.version).toBeGreaterThanOrEqual(stored[i]!.version);
      expect(live[i]).toEqual(stored[i]);
    }
  });
});
