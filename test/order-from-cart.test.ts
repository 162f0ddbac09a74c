import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { OrderPlacement } from '../src/modules/orders/placement/order-placement.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { type Api, eventually, guests } from './support/http.js';
import { useSystem } from './support/system.js';

const fromCart = (buyer: Api, key: string, extra: Record<string, unknown> = {}) =>
  buyer.post('/api/orders', { fromCart: true, ...extra }, { headers: { 'idempotency-key': key } });

const lines = (items: { sku: string; quantity: number }[]) => items.map(({ sku, quantity }) => ({ sku, quantity }));

describe('ordering the cart (POST /api/orders {fromCart: true})', () => {
  const sut = useSystem({ api: true, worker: true });

  it('reserves exactly the cart’s lines at the cart’s prices, then empties the cart once', async () => {
    const [a, b] = [
      await createProduct(sut.admin, { onHand: 10, priceCents: 1_200 }),
      await createProduct(sut.admin, { onHand: 10, priceCents: 300 }),
    ];
    const [buyer] = await guests(sut.system.url!, 1);
    await buyer!.post('/api/cart/items', { sku: b, quantity: 3 });
    await buyer!.post('/api/cart/items', { sku: a, quantity: 2 });
    const cart = (await buyer!.get('/api/cart')).body;

    // An address is kept in lower case, as accounts keep theirs.
    const order = await fromCart(buyer!, 'cart-order', { customerEmail: 'Buyer@Example.COM' });
    expect(order.status).toBe(202);
    expect(lines(order.body.items)).toEqual(lines(cart.items));
    expect(order.body).toMatchObject({ status: 'PENDING', totalCents: cart.totalCents, currency: 'EUR', customerEmail: 'buyer@example.com' });

    const after = (await buyer!.get('/api/cart')).body;
    expect(after).toMatchObject({ items: [], totalCents: 0, version: cart.version + 1 });
    for (const [sku, quantity] of [
      [a, 2],
      [b, 3],
    ] as const) {
      const view = await eventually(async () => {
        const current = await inventoryOf(sut.admin, sku);
        return current.reserved === quantity ? current : undefined;
      }, `the ledger of ${sku} to hold ${quantity}`);
      expect(view).toMatchObject({ onHand: 10, gateAvailable: 10 - quantity, drift: 0 });
    }
  });

  it('answers a replay of the key with the same order after the cart changed, taking nothing more out of it', async () => {
    const [a, b] = [await createProduct(sut.admin, { onHand: 10 }), await createProduct(sut.admin, { onHand: 10 })];
    const [buyer] = await guests(sut.system.url!, 1);
    await buyer!.post('/api/cart/items', { sku: a, quantity: 1 });
    const first = await fromCart(buyer!, 'replayed');
    expect(first.status).toBe(202);

    await buyer!.post('/api/cart/items', { sku: a, quantity: 2 });
    await buyer!.post('/api/cart/items', { sku: b, quantity: 1 });
    const changed = (await buyer!.get('/api/cart')).body;
    const replay = await fromCart(buyer!, 'replayed');
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual(first.body);
    expect((await buyer!.get('/api/cart')).body).toEqual(changed);

    // The same key with another body is refused; the cart stays.
    expect((await fromCart(buyer!, 'replayed', { customerEmail: 'other@example.com' })).status).toBe(422);
    expect((await buyer!.get('/api/cart')).body).toEqual(changed);
    expect((await inventoryOf(sut.admin, a)).gateAvailable).toBe(9);

    // A replay leaves no claim on the cart: a new checkout of it goes through at once, not as
    // "another tab" until the claim lapses.
    expect((await fromCart(buyer!, 'replayed')).body).toEqual(first.body);
    const next = await fromCart(buyer!, 'after-the-replay');
    expect(next.status).toBe(202);
    expect(next.body.items).toHaveLength(2);
    expect(next.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ sku: a, quantity: 2 }), expect.objectContaining({ sku: b, quantity: 1 })]),
    );
  });

  it('finishes emptying the cart on a replay when the first attempt died after the reservation', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    await buyer!.post('/api/cart/items', { sku, quantity: 2 });
    const { container } = sut.system;
    const userId = (await buyer!.get('/api/me')).body.id as string;

    // The same placement, except that the process "dies" right after the reservation.
    const dying = new OrderPlacement({
      stock: container.stock,
      products: container.products,
      inventory: container.inventory,
      metrics: container.metrics,
      options: { reservationTtlSeconds: container.config.reservationTtlSeconds, idempotencyTtlSeconds: container.config.idempotencyTtlSeconds },
      carts: {
        contents: (id, keyHash) => container.carts.contents(id, keyHash),
        releaseCheckout: (id, version, keyHash) => container.carts.releaseCheckout(id, version, keyHash),
        takeOrdered: async () => {
          throw new Error('killed before the cart was emptied');
        },
      },
    });
    await expect(dying.place({ id: userId, role: 'guest' }, 'dies-midway', { fromCart: true })).rejects.toThrow('killed');
    expect(lines((await buyer!.get('/api/cart')).body.items)).toEqual([{ sku, quantity: 2 }]);

    const retry = await fromCart(buyer!, 'dies-midway');
    expect(retry.status).toBe(202);
    expect(lines(retry.body.items)).toEqual([{ sku, quantity: 2 }]);
    expect((await buyer!.get('/api/cart')).body.items).toEqual([]);
    expect((await inventoryOf(sut.admin, sku)).gateAvailable).toBe(3);
  });

  it('orders a cart whose product left the catalog, or changed currency, before the catalog’s job reached it, without that line', async () => {
    const [kept, deleted, dollars] = [
      await createProduct(sut.admin, { onHand: 10, priceCents: 400 }),
      await createProduct(sut.admin, { onHand: 10, title: 'Gone' }),
      await createProduct(sut.admin, { onHand: 10, title: 'Now in dollars' }),
    ];
    const [buyer] = await guests(sut.system.url!, 1);
    for (const sku of [kept, deleted, dollars]) await buyer!.post('/api/cart/items', { sku, quantity: 2 });
    // The job that removes such lines has not reached this cart (queued behind others, or not queued at all).
    const refresh = vi.spyOn(sut.system.container.cartSync, 'productChanged').mockResolvedValue();
    onTestFinished(() => refresh.mockRestore());
    expect((await sut.admin.delete(`/api/admin/products/${deleted}`)).status).toBe(204);
    expect((await sut.admin.patch(`/api/admin/products/${dollars}`, { currency: 'USD' })).status).toBe(200);

    // Such a line can never be ordered: the cart is ordered as a read of it shows it, not refused for ever.
    const order = await fromCart(buyer!, `without-${deleted}`);
    expect({ status: order.status, error: order.body.error }).toEqual({ status: 202, error: undefined });
    expect(lines(order.body.items)).toEqual([{ sku: kept, quantity: 2 }]);
    expect(order.body.totalCents).toBe(800);
    const after = (await buyer!.get('/api/cart')).body;
    expect(after.items).toEqual([]);
    expect(after.notices.map((notice: { sku: string; reason: string }) => [notice.sku, notice.reason]).sort()).toEqual(
      [
        [deleted, 'deleted'],
        [dollars, 'currency'],
      ].sort(),
    );
  });

  it('orders a cart once when checkouts of it with different keys race (two tabs): the others are refused, none reserves', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const [buyer] = await guests(sut.system.url!, 1);
    await buyer!.post('/api/cart/items', { sku, quantity: 2 });

    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => fromCart(buyer!, `tab-${i}`)));
    expect(answers.filter((answer) => answer.status === 202)).toHaveLength(1);
    for (const other of answers.filter((answer) => answer.status !== 202)) {
      // Under way in another tab (409), or already ordered from it (the cart is empty, 400).
      expect([`${other.status} ${other.body.error?.code}`]).toEqual([expect.stringMatching(/^(409 INVALID_STATE|400 VALIDATION_FAILED)$/)]);
    }
    const held = await eventually(async () => {
      const view = await inventoryOf(sut.admin, sku);
      return view.reserved === 2 ? view : undefined;
    }, 'the one order stored');
    expect(held).toMatchObject({ gateAvailable: 8, drift: 0 });
    expect((await buyer!.get('/api/orders')).body.items).toHaveLength(1);
  });

  it('lets another key order the cart after a checkout of it was refused for stock', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    const [buyer] = await guests(sut.system.url!, 1);
    await buyer!.post('/api/cart/items', { sku, quantity: 1 });
    await sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: -1, reason: 'counted again' });
    expect((await fromCart(buyer!, 'first-try')).status).toBe(409);
    await sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: 1, reason: 'found it' });
    expect((await fromCart(buyer!, 'second-try')).status).toBe(202);
  });

  it('leaves the cart as it was when the order is refused for stock, and refuses bad input with 400', async () => {
    const sku = await createProduct(sut.admin, { onHand: 3 });
    const [buyer, rival] = await guests(sut.system.url!, 2);
    await buyer!.post('/api/cart/items', { sku, quantity: 3 });
    expect((await rival!.order([{ sku, quantity: 2 }], 'rival')).status).toBe(202);
    const cart = (await buyer!.get('/api/cart')).body;

    const refused = await fromCart(buyer!, 'too-late');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_STOCK', details: { sku, requested: 3, available: 1 } });
    expect((await buyer!.get('/api/cart')).body).toEqual(cart);

    const [empty] = await guests(sut.system.url!, 1);
    const emptyCart = await fromCart(empty!, 'nothing');
    expect(emptyCart.status).toBe(400);
    expect(emptyCart.body.error.code).toBe('VALIDATION_FAILED');
    for (const body of [{ fromCart: false }, { fromCart: true, items: [{ sku, quantity: 1 }] }, { fromCart: 'yes' }, {}]) {
      const answer = await buyer!.post('/api/orders', body, { headers: { 'idempotency-key': `bad-${JSON.stringify(body)}` } });
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
    }
    expect((await buyer!.post('/api/orders', { fromCart: true })).status).toBe(400);
    expect((await buyer!.get('/api/cart')).body).toEqual(cart);
  });
});
