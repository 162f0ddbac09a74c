import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../src/lib/hashing.js';
import { type OrderSnapshot, parseSnapshot } from '../src/modules/orders/order-snapshot.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { guests } from './support/http.js';
import { TestSocket } from './support/sockets.js';
import { useSystem } from './support/system.js';

/**
 * Accepted orders that cannot go the normal way still end with a row in Postgres, and their stock
 * comes back exactly once.
 */
describe('orders that cannot be stored the normal way', () => {
  // No workers: each test decides who persists what.
  const sut = useSystem({ api: true, worker: false });

  const snapshotOf = async (orderId: string) => parseSnapshot(await sut.system.container.stock.readReservation(orderId))!;

  /** The id of the order's entry in the persist stream. */
  const entryOf = async (orderId: string) => {
    const { redis, keys } = sut.system.container;
    const entries = await redis.xrange(keys.persistStream(), '-', '+');
    const found = entries.find(([, fields]) => fields.join().includes(orderId));
    if (!found) throw new Error(`no persist-stream entry for ${orderId}`);
    return found[0];
  };

  it('records an order Postgres refuses as FAILED, without the refused data, and gives its units back', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 2 }], 'unstorable');
    expect(placed.status).toBe(202);
    // What no client can send any more (the schema refuses NUL), as a stand-in for any data Postgres refuses.
    const snapshot = {
      ...(await snapshotOf(placed.body.id)),
      shippingAddress: { name: 'A\u0000', line1: 'x', city: 'y', postalCode: '1', country: 'DE' },
    };

    expect(await sut.system.container.persister.persist(snapshot)).toBe('unstorable');
    const order = await buyer!.get(`/api/orders/${placed.body.id}`);
    expect(order.body.status).toBe('FAILED');
    expect(order.body.shippingAddress).toBeUndefined();
    expect(order.body.history.map((entry: { status: string }) => entry.status)).toEqual(['PENDING', 'FAILED']);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ reserved: 0, gateAvailable: 5, drift: 0 });
  });

  /** Persists the snapshots as one batch, as the persist stream delivers them, and returns the outcomes and the first write. */
  const persistTogether = async (snapshots: OrderSnapshot[]) => {
    const writes = vi.spyOn(sut.system.container.orderWrites, 'insert');
    try {
      const outcomes = await sut.system.container.persister.persistBatch(snapshots);
      return {
        outcomes,
        firstWrite: { orders: writes.mock.calls[0]![1].length, result: await writes.mock.results[0]!.value.catch((e: Error) => e) },
      };
    } finally {
      writes.mockRestore();
    }
  };

  it('persists the other orders written together with one Postgres refuses, and fails only that one', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const buyers = await guests(sut.system.url!, 3);
    const placed = await Promise.all(buyers.map((buyer, i) => buyer.order([{ sku, quantity: 1 }], `group-${i}`)));
    const snapshots = await Promise.all(placed.map((answer) => snapshotOf(answer.body.id)));
    snapshots[1] = { ...snapshots[1]!, shippingAddress: { name: 'B\u0000', line1: 'x', city: 'y', postalCode: '1', country: 'DE' } };

    const { outcomes, firstWrite } = await persistTogether(snapshots);
    // They were written as one group first, which Postgres refused as a whole.
    expect(firstWrite.orders).toBe(3);
    expect(firstWrite.result).toMatchObject({ code: '22P05' });
    expect(outcomes).toEqual(['persisted', 'unstorable', 'persisted']);
    const statuses = await Promise.all(placed.map(async (answer, i) => (await buyers[i]!.get(`/api/orders/${answer.body.id}`)).body.status));
    expect(statuses).toEqual(['PENDING', 'FAILED', 'PENDING']);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ reserved: 2, gateAvailable: 8, drift: 0 });
  });

  it('fails only the order whose SKU drifted when it was written together with others', async () => {
    const [steady, drifted] = [await createProduct(sut.admin, { onHand: 5 }), await createProduct(sut.admin, { onHand: 5 })];
    const buyers = await guests(sut.system.url!, 3);
    const placed = await Promise.all([
      buyers[0]!.order([{ sku: steady, quantity: 1 }], 'drift-group-0'),
      buyers[1]!.order([{ sku: drifted, quantity: 4 }], 'drift-group-1'),
      buyers[2]!.order([{ sku: steady, quantity: 2 }], 'drift-group-2'),
    ]);
    const snapshots = await Promise.all(placed.map((answer) => snapshotOf(answer.body.id)));
    await sql`UPDATE inventory SET on_hand = 3 WHERE sku = ${drifted}`.execute(sut.system.container.db);

    const { outcomes, firstWrite } = await persistTogether(snapshots);
    expect(firstWrite.orders).toBe(3);
    expect(firstWrite.result).toMatchObject({ code: '23514' });
    expect(outcomes).toEqual(['persisted', 'refused-by-ledger', 'persisted']);
    expect(await inventoryOf(sut.admin, steady)).toMatchObject({ reserved: 3, gateAvailable: 2, drift: 0 });
    expect(await inventoryOf(sut.admin, drifted)).toMatchObject({ onHand: 3, reserved: 0, gateAvailable: 1, drift: -2 });
  });

  it('writes an order once when it is persisted twice at the same moment', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 2 }], 'twice-at-once');
    const snapshot = await snapshotOf(placed.body.id);

    const { outcomes, firstWrite } = await persistTogether([snapshot, snapshot]);
    expect(firstWrite.orders).toBe(1);
    expect(outcomes).toEqual(['persisted', 'already-persisted']);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ reserved: 2, gateAvailable: 3, drift: 0 });
  });

  it('records an order the ledger cannot hold as FAILED and keeps its over-admitted units off sale', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 3 }], 'drifted');
    expect(placed.status).toBe(202);
    // Drift: Postgres lost units behind the gate's back, so Redis admitted more than the ledger has.
    await sql`UPDATE inventory SET on_hand = 2 WHERE sku = ${sku}`.execute(sut.system.container.db);

    expect(await sut.system.container.persister.persist(await snapshotOf(placed.body.id))).toBe('refused-by-ledger');
    const order = await buyer!.get(`/api/orders/${placed.body.id}`);
    expect(order.body).toMatchObject({
      status: 'FAILED',
      history: [{ status: 'PENDING' }, { status: 'FAILED', reason: 'the stock ledger refused the reservation (stock drift)' }],
    });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 2, reserved: 0, gateAvailable: 2, drift: 0 });
  });

  it('keeps the over-admitted units of an order the ledger refused off sale when Redis fails between the FAILED row and the Redis step', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 3 }], 'drifted-then-redis-fails');
    expect(placed.status).toBe(202);
    await sql`UPDATE inventory SET on_hand = 2 WHERE sku = ${sku}`.execute(container.db);
    const snapshot = await snapshotOf(placed.body.id);

    // The connection to Redis drops once, as the persister ends the reservation: the batch fails and is delivered again.
    vi.spyOn(container.stock, 'end').mockRejectedValueOnce(new Error('Connection is closed.'));
    await expect(container.persister.persist(snapshot)).rejects.toThrow('Connection is closed.');
    await container.persister.persist(snapshot);
    // The sweeper finishes whatever Redis step is left, long after the order's expiry.
    await container.sweeper.sweep(Date.now() + 3_600_000);

    expect((await buyer!.get(`/api/orders/${placed.body.id}`)).body.status).toBe('FAILED');
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 2, reserved: 0, gateAvailable: 2, drift: 0 });
  });

  it('records an order whose reservation was released before it was stored as FAILED, reserving nothing', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 2 }], 'released-first');
    const snapshot = await snapshotOf(placed.body.id);
    // What the sweeper does to a reservation whose order has no row and whose hand-off was lost.
    await sut.system.container.redis.xdel(sut.system.container.keys.persistStream(), await entryOf(placed.body.id));
    expect(await sut.system.container.stock.end(placed.body.id, 'orphan')).toBe('ended');

    expect(await sut.system.container.persister.persist(snapshot)).toBe('reservation-lost');
    const order = await buyer!.get(`/api/orders/${placed.body.id}`);
    expect(order.body).toMatchObject({ status: 'FAILED', history: [{ status: 'PENDING' }, { status: 'FAILED' }] });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 5, reserved: 0, gateAvailable: 5, drift: 0 });
  });

  it('tells the owner’s sockets (order:update, with the reason) of an accepted order the persister records as FAILED', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const socket = new TestSocket(sut.system.url!, { token: buyer!.token });
    try {
      await socket.connected();
      // The client was answered 202 PENDING for both: their failure is a status change it must hear of.
      const drifted = await buyer!.order([{ sku, quantity: 3 }], 'drifted-told');
      const lost = await buyer!.order([{ sku, quantity: 1 }], 'lost-told');
      expect([drifted.status, lost.status]).toEqual([202, 202]);
      await sql`UPDATE inventory SET on_hand = 2 WHERE sku = ${sku}`.execute(sut.system.container.db);
      expect(await sut.system.container.persister.persist(await snapshotOf(drifted.body.id))).toBe('refused-by-ledger');
      const lostSnapshot = await snapshotOf(lost.body.id);
      await sut.system.container.redis.xdel(sut.system.container.keys.persistStream(), await entryOf(lost.body.id));
      expect(await sut.system.container.stock.end(lost.body.id, 'orphan')).toBe('ended');
      expect(await sut.system.container.persister.persist(lostSnapshot)).toBe('reservation-lost');

      for (const [placed, reason] of [
        [drifted, 'the stock ledger refused the reservation (stock drift)'],
        [lost, 'the reservation was released before the order was stored'],
      ] as const) {
        expect(await socket.next('order:update', (update) => update.orderId === placed.body.id)).toEqual({
          orderId: placed.body.id,
          status: 'FAILED',
          reason,
          at: expect.any(String),
          actor: 'system',
        });
      }
    } finally {
      socket.close();
    }
  });

  it('releases a reservation as an orphan only once its order has neither a row nor a hand-off left', async () => {
    const { stock, sweeper, redis, keys } = sut.system.container;
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 2);
    const placed = await buyer!.order([{ sku, quantity: 2 }], 'orphan-candidate');
    const later = Date.now() + 3_600_000;

    // Its hand-off waits in the persist stream (no worker runs here): the sweeper leaves it alone.
    expect(await sweeper.sweep(later)).toMatchObject({ orphansReleased: 0 });
    expect(await stock.end(placed.body.id, 'orphan')).toBe('claimed');
    expect((await inventoryOf(sut.admin, sku)).gateAvailable).toBe(3);

    // A hand-off lost by something other than the reservation path (which cannot lose it): the units come back.
    await redis.xdel(keys.persistStream(), await entryOf(placed.body.id));
    expect(await sweeper.sweep(later)).toMatchObject({ orphansReleased: 1 });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ reserved: 0, gateAvailable: 5, drift: 0 });
  });

  it('never releases as an orphan a reservation whose order the stream consumer stored', async () => {
    const { stock, persistStream, redis, keys } = sut.system.container;
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'stored-then-swept');
    const entryId = await entryOf(placed.body.id);
    // What a persist worker does after its commit; a sweeper that read "no row" just before must not release.
    await persistStream.ack([{ id: entryId, orderId: placed.body.id }]);
    expect(await redis.xrange(keys.persistStream(), entryId, entryId)).toEqual([]);
    expect(await stock.end(placed.body.id, 'orphan')).toBe('claimed');
    // So does a writer that stores an order outside the stream: it claims the reservation first.
    const other = await buyer!.order([{ sku, quantity: 1 }], 'claimed-then-swept');
    await redis.xdel(keys.persistStream(), await entryOf(other.body.id));
    expect(await stock.claim(other.body.id)).toBe(true);
    expect(await stock.end(other.body.id, 'orphan')).toBe('claimed');
    expect((await inventoryOf(sut.admin, sku)).gateAvailable).toBe(3);
  });

  it('records an order whose user row is gone, under a guest row', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'no-user-row');
    const snapshot = { ...(await snapshotOf(placed.body.id)), userId: '00000000-0000-4000-8000-00000000abcd' };
    expect(await sut.system.container.persister.persistBatch([snapshot])).toEqual(['persisted']);
    expect(await sut.system.container.ordersRepository.findState(placed.body.id)).toMatchObject({ userId: snapshot.userId });
    expect(await sut.system.container.users.findById(snapshot.userId)).toMatchObject({ role: 'guest' });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ reserved: 1, gateAvailable: 4, drift: 0 });
  });

  it('gives back the units of a second reservation made after Redis forgot the key, and keeps the order', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const [buyer] = await guests(sut.system.url!, 1);
    const me = await buyer!.get('/api/me');
    const first = await buyer!.order([{ sku, quantity: 1 }], 'forgotten');
    await sut.system.container.persister.persistBatch([await snapshotOf(first.body.id)]);
    expect((await sut.admin.patch(`/api/admin/orders/${first.body.id}`, { status: 'CONFIRMED' })).status).toBe(200);

    // The key's record expires (IDEMPOTENCY_TTL_SECONDS) and the same key arrives again.
    await sut.system.container.redis.del(sut.system.container.keys.idempotency(me.body.id, sha256Hex('forgotten')));
    const again = await buyer!.order([{ sku, quantity: 3 }], 'forgotten');
    expect(again.body.id).toBe(first.body.id);
    expect((await inventoryOf(sut.admin, sku)).gateAvailable).toBe(6);

    expect(await sut.system.container.persister.persistBatch([await snapshotOf(again.body.id)])).toEqual(['already-persisted']);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 9, reserved: 0, sold: 1, gateAvailable: 9, drift: 0 });
    expect((await buyer!.get(`/api/orders/${first.body.id}`)).body).toMatchObject({ status: 'CONFIRMED', items: [{ quantity: 1 }] });
  });

  it('answers a retry from its record even after the product was deleted', async () => {
    const sku = await createProduct(sut.admin, { onHand: 3 });
    const [buyer] = await guests(sut.system.url!, 1);
    const first = await buyer!.order([{ sku, quantity: 1 }], 'product-gone');
    expect((await sut.admin.delete(`/api/admin/products/${sku}`)).status).toBe(204);
    const retry = await buyer!.order([{ sku, quantity: 1 }], 'product-gone');
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
  });
});
