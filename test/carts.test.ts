import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createProduct, uniqueSku } from './support/fixtures.js';
import { type Answer, Api, eventually, guests, settleInWaves } from './support/http.js';
import { useSystem } from './support/system.js';

interface CartBody {
  items: { sku: string; title: string; unitPriceCents: number; quantity: number; lineTotalCents: number; available: number; soldOut: boolean }[];
  totalCents: number;
  currency: string;
  version: number;
  updatedAt: string;
  notices: unknown[];
}

const quantities = (cart: CartBody) => Object.fromEntries(cart.items.map((item) => [item.sku, item.quantity]));

/** Every line's total and the cart's total, recomputed from the unit prices. */
function expectExactTotals(cart: CartBody, prices: Record<string, number>): void {
  let total = 0;
  for (const item of cart.items) {
    expect(item.unitPriceCents).toBe(prices[item.sku]);
    expect(item.lineTotalCents).toBe(item.quantity * prices[item.sku]!);
    total += item.quantity * prices[item.sku]!;
  }
  expect(cart.totalCents).toBe(total);
}

describe('the cart API', () => {
  const sut = useSystem({ api: true, worker: true });

  it('adds, sets, removes and clears lines, each change a new version, priced from the catalog with each line’s stock', async () => {
    const keyboard = await createProduct(sut.admin, { onHand: 10, priceCents: 4_900, title: 'Keyboard' });
    const mouse = await createProduct(sut.admin, { onHand: 3, priceCents: 1_550, title: 'Mouse' });
    const [buyer] = await guests(sut.system.url!, 1);

    const empty = await buyer!.get<CartBody>('/api/cart');
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ items: [], totalCents: 0, currency: 'EUR', version: 0, notices: [] });

    const added = await buyer!.post<CartBody>('/api/cart/items', { sku: keyboard, quantity: 2 });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({
      items: [{ sku: keyboard, title: 'Keyboard', unitPriceCents: 4_900, quantity: 2, lineTotalCents: 9_800, available: 10, soldOut: false }],
      totalCents: 9_800,
      currency: 'EUR',
      version: 1,
    });
    const again = await buyer!.post<CartBody>('/api/cart/items', { sku: keyboard, quantity: 1 });
    expect(quantities(again.body)).toEqual({ [keyboard]: 3 });
    const both = await buyer!.post<CartBody>('/api/cart/items', { sku: mouse, quantity: 3 });
    expect(both.body).toMatchObject({ version: 3, totalCents: 3 * 4_900 + 3 * 1_550 });
    // A change's answer is written straight from the script's reply (renderCart); a read prices the
    // stored cart: both give the same cart.
    expect(both.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await buyer!.get<CartBody>('/api/cart')).body).toEqual(both.body);

    const set = await buyer!.put<CartBody>(`/api/cart/items/${keyboard}`, { quantity: 1 });
    expect(set.body).toMatchObject({ version: 4, totalCents: 4_900 + 3 * 1_550 });
    // Setting a line to what it holds is no change: the version stays.
    const same = await buyer!.put<CartBody>(`/api/cart/items/${keyboard}`, { quantity: 1 });
    expect(same.body.version).toBe(4);

    const removed = await buyer!.delete<CartBody>(`/api/cart/items/${mouse}`);
    expect(quantities(removed.body)).toEqual({ [keyboard]: 1 });
    expect(removed.body.version).toBe(5);
    const zero = await buyer!.put<CartBody>(`/api/cart/items/${keyboard}`, { quantity: 0 });
    expect(zero.body).toMatchObject({ items: [], totalCents: 0, version: 6 });

    await buyer!.post('/api/cart/items', { sku: mouse, quantity: 1 });
    const cleared = await buyer!.delete<CartBody>('/api/cart');
    expect(cleared.body).toMatchObject({ items: [], totalCents: 0, version: 8 });
    expect((await buyer!.get<CartBody>('/api/cart')).body).toEqual(cleared.body);
  });

  it('opens a new guest’s empty cart in Redis at once, so its first add looks for no snapshot in Postgres', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const answer = await new Api(sut.system.url!).post('/api/auth/guest');
    expect(answer.status).toBe(201);
    const guestId = answer.body.user.id as string;
    expect(await container.cartStore.read(guestId)).toMatchObject({ userId: guestId, version: 0, lines: [] });

    const lookups = vi.spyOn(container.cartsRepository, 'findMany');
    onTestFinished(() => lookups.mockRestore());
    const added = await new Api(sut.system.url!, answer.body.token).post<CartBody>('/api/cart/items', { sku, quantity: 1 });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ items: [{ sku, quantity: 1, available: 5 }], version: 1 });
    expect(lookups.mock.calls.flat(2)).not.toContain(guestId);
  });

  it('still answers a new guest when its empty cart cannot be opened, says so in the log, and builds the cart at its first add', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const load = vi.spyOn(container.cartStore, 'load').mockRejectedValueOnce(new Error('Redis is away'));
    const warn = vi.spyOn(container.logger, 'warn');
    onTestFinished(() => {
      load.mockRestore();
      warn.mockRestore();
    });
    const answer = await new Api(sut.system.url!).post('/api/auth/guest');
    expect(answer.status).toBe(201);
    const guestId = answer.body.user.id as string;
    expect(await container.cartStore.read(guestId)).toBeNull();
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ userId: guestId }), expect.stringContaining('empty cart was not opened'));

    const added = await new Api(sut.system.url!, answer.body.token).post<CartBody>('/api/cart/items', { sku, quantity: 1 });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ items: [{ sku, quantity: 1, available: 5 }], version: 1 });
  });

  it('refuses more than the stock admits with INSUFFICIENT_STOCK and its details, and lets a line go down whatever the stock', async () => {
    const sku = await createProduct(sut.admin, { onHand: 4 });
    const [buyer, other, newcomer] = await guests(sut.system.url!, 3);
    // A buyer with no cart at all, refused at the first click: the line would have held what was asked.
    const first = await newcomer!.post('/api/cart/items', { sku, quantity: 5 });
    expect(first.status).toBe(409);
    expect(first.body.error).toMatchObject({ code: 'INSUFFICIENT_STOCK', details: { sku, requested: 5, available: 4 } });
    expect((await newcomer!.get<CartBody>('/api/cart')).body).toMatchObject({ version: 0, items: [] });
    await buyer!.post('/api/cart/items', { sku, quantity: 3 });

    const tooMany = await buyer!.post('/api/cart/items', { sku, quantity: 2 });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error).toMatchObject({ code: 'INSUFFICIENT_STOCK', details: { sku, requested: 5, available: 4 } });
    const setTooMany = await buyer!.put(`/api/cart/items/${sku}`, { quantity: 5 });
    expect(setTooMany.status).toBe(409);
    expect(setTooMany.body.error.details).toEqual({ sku, requested: 5, available: 4 });
    expect((await buyer!.get<CartBody>('/api/cart')).body).toMatchObject({ version: 1, items: [{ sku, quantity: 3 }] });

    // Another buyer takes three units: the line is now above what is left, and may still go down.
    expect((await other!.order([{ sku, quantity: 3 }], 'takes-three')).status).toBe(202);
    const view = await buyer!.get<CartBody>('/api/cart');
    expect(view.body.items[0]).toMatchObject({ quantity: 3, available: 1, soldOut: false });
    const lowered = await buyer!.put<CartBody>(`/api/cart/items/${sku}`, { quantity: 2 });
    expect(lowered.status).toBe(200);
    expect(lowered.body.items[0]).toMatchObject({ quantity: 2, available: 1 });
  });

  it('holds at most 50 lines of 1–1,000 units, in one currency, and refuses unknown products (404) and bad input (400), changing nothing', async () => {
    const skus = await Promise.all(Array.from({ length: 51 }, () => createProduct(sut.admin, { onHand: 2_000, priceCents: 100 })));
    const dollars = await createProduct(sut.admin, { onHand: 5, currency: 'USD' });
    const [buyer] = await guests(sut.system.url!, 1);
    for (const sku of skus.slice(0, 50)) expect((await buyer!.post('/api/cart/items', { sku, quantity: 1 })).status).toBe(200);
    const before = (await buyer!.get<CartBody>('/api/cart')).body;
    expect(before.items).toHaveLength(50);

    const refusals: [Promise<Answer>, number, string][] = [
      [buyer!.post('/api/cart/items', { sku: skus[50], quantity: 1 }), 400, 'VALIDATION_FAILED'],
      [buyer!.post('/api/cart/items', { sku: skus[0], quantity: 1_000 }), 400, 'VALIDATION_FAILED'],
      [buyer!.put(`/api/cart/items/${skus[0]}`, { quantity: 1_001 }), 400, 'VALIDATION_FAILED'],
      [buyer!.post('/api/cart/items', { sku: skus[0], quantity: 0 }), 400, 'VALIDATION_FAILED'],
      [buyer!.post('/api/cart/items', { sku: skus[0], quantity: -1 }), 400, 'VALIDATION_FAILED'],
      [buyer!.post('/api/cart/items', { sku: skus[0], quantity: 1.5 }), 400, 'VALIDATION_FAILED'],
      [buyer!.post('/api/cart/items', { sku: skus[0], quantity: 1, price: 1 }), 400, 'VALIDATION_FAILED'],
      [buyer!.post('/api/cart/items', { sku: 'bad sku!', quantity: 1 }), 400, 'VALIDATION_FAILED'],
      [buyer!.post('/api/cart/items', { quantity: 1 }), 400, 'VALIDATION_FAILED'],
      [buyer!.request('POST', '/api/cart/items', { rawBody: '{"sku":' }), 400, 'VALIDATION_FAILED'],
      [buyer!.put('/api/cart/items/bad%20sku', { quantity: 1 }), 400, 'VALIDATION_FAILED'],
      [buyer!.put(`/api/cart/items/${skus[0]}`, {}), 400, 'VALIDATION_FAILED'],
      [buyer!.post('/api/cart/items', { sku: uniqueSku('NOPE'), quantity: 1 }), 404, 'NOT_FOUND'],
      [buyer!.put(`/api/cart/items/${uniqueSku('NOPE')}`, { quantity: 1 }), 404, 'NOT_FOUND'],
      [new Api(sut.system.url!).get('/api/cart'), 401, 'UNAUTHENTICATED'],
      [new Api(sut.system.url!, 'not-a-token').post('/api/cart/items', { sku: skus[0], quantity: 1 }), 401, 'UNAUTHENTICATED'],
    ];
    for (const [answer, status, code] of refusals) {
      const { status: got, body } = await answer;
      expect({ got, code: body?.error?.code }).toEqual({ got: status, code });
    }
    const cartFull = await buyer!.post('/api/cart/items', { sku: skus[50], quantity: 1 });
    expect(cartFull.body.error.details).toMatchObject({ maxLines: 50 });
    expect((await buyer!.get<CartBody>('/api/cart')).body).toEqual(before);

    // Removing a line the cart does not hold, even of an unknown product, changes nothing.
    expect((await buyer!.delete<CartBody>(`/api/cart/items/${uniqueSku('NOPE')}`)).body).toEqual(before);
    await buyer!.delete('/api/cart');
    await buyer!.post('/api/cart/items', { sku: skus[0], quantity: 1 });
    const mixed = await buyer!.post('/api/cart/items', { sku: dollars, quantity: 1 });
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.details).toMatchObject({ cartCurrency: 'EUR', productCurrency: 'USD' });
  });

  it('equals a serial replay after 1,000 concurrent changes to one cart from many connections: versions gap-free, totals exact', async () => {
    const prices: Record<string, number> = {};
    const skus = await Promise.all(
      [199, 2_599, 1_000, 7, 12_345].map(async (priceCents) => {
        const sku = await createProduct(sut.admin, { onHand: 100_000, priceCents });
        prices[sku] = priceCents;
        return sku;
      }),
    );
    const [owner] = await guests(sut.system.url!, 1);
    // Seeded, so a failure can be reproduced.
    let seed = 9;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    type Op = { kind: 'add' | 'set' | 'remove'; sku: string; quantity: number };
    const ops: Op[] = Array.from({ length: 1_000 }, () => {
      const roll = random(10);
      const sku = skus[random(skus.length)]!;
      if (roll < 5) return { kind: 'add', sku, quantity: 1 + random(3) };
      if (roll < 8) return { kind: 'set', sku, quantity: random(9) };
      return { kind: 'remove', sku, quantity: 0 };
    });
    const send = (op: Op) =>
      op.kind === 'add'
        ? owner!.post<CartBody>('/api/cart/items', { sku: op.sku, quantity: op.quantity })
        : op.kind === 'set'
          ? owner!.put<CartBody>(`/api/cart/items/${op.sku}`, { quantity: op.quantity })
          : owner!.delete<CartBody>(`/api/cart/items/${op.sku}`);

    const results = await settleInWaves(
      ops.map((op) => () => send(op)),
      200,
    );
    const answers = results.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    expect(answers.map((answer) => answer.status).filter((status) => status !== 200)).toEqual([]);

    // Group the answers by the version they report; every version from 1 to the last appears (0:
    // what changed nothing before the first change).
    const byVersion = new Map<number, { op: Op; cart: CartBody }[]>();
    answers.forEach((answer, i) => {
      const group = byVersion.get(answer.body.version) ?? [];
      group.push({ op: ops[i]!, cart: answer.body });
      byVersion.set(answer.body.version, group);
    });
    const last = Math.max(...byVersion.keys());
    const versions = [...byVersion.keys()].filter((version) => version > 0).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: last }, (_, i) => i + 1));

    // Replay serially in version order: one op of each version's group turns the previous state
    // into that version's cart, and every other op of the group then changes nothing.
    const apply = (state: Record<string, number>, op: Op) => {
      const next = { ...state };
      const target = op.kind === 'add' ? (next[op.sku] ?? 0) + op.quantity : op.quantity;
      if (target === 0) delete next[op.sku];
      else next[op.sku] = target;
      return next;
    };
    const same = (a: Record<string, number>, b: Record<string, number>) =>
      JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
    let state: Record<string, number> = {};
    for (const { op } of byVersion.get(0) ?? []) expect(same(apply(state, op), state)).toBe(true);
    for (let version = 1; version <= last; version++) {
      const group = byVersion.get(version)!;
      const cart = quantities(group[0]!.cart);
      const change = group.findIndex(({ op }) => same(apply(state, op), cart) && !same(state, cart));
      expect(change, `an op that makes version ${version}`).toBeGreaterThanOrEqual(0);
      state = cart;
      group.forEach(({ op, cart: seen }, i) => {
        expect(quantities(seen)).toEqual(cart);
        if (i !== change) expect(same(apply(state, op), state), `op ${JSON.stringify(op)} at version ${version} changes nothing`).toBe(true);
        expectExactTotals(seen, prices);
      });
    }
    const final = (await owner!.get<CartBody>('/api/cart')).body;
    expect(final.version).toBe(last);
    expect(quantities(final)).toEqual(state);
    expectExactTotals(final, prices);
  });

  describe('a product whose currency changes', () => {
    /** Two buyers: one holding only the product that changes, one holding it beside another product. */
    async function cartsHolding(changing: string, other: string) {
      const [alone, mixed] = await guests(sut.system.url!, 2);
      await alone!.post('/api/cart/items', { sku: changing, quantity: 2 });
      await mixed!.post('/api/cart/items', { sku: other, quantity: 1 });
      await mixed!.post('/api/cart/items', { sku: changing, quantity: 1 });
      return { alone: alone!, mixed: mixed! };
    }
    const userIdOf = async (buyer: Api) => (await buyer.get('/api/me')).body.id as string;

    it('takes a cart it is alone in along to the new currency, and leaves the line out of a cart in the old one with a notice', async () => {
      const { container } = sut.system;
      const changing = await createProduct(sut.admin, { onHand: 10, priceCents: 1_000, title: 'Kettle' });
      const other = await createProduct(sut.admin, { onHand: 10, priceCents: 300 });
      const { alone, mixed } = await cartsHolding(changing, other);
      expect((await sut.admin.patch(`/api/admin/products/${changing}`, { currency: 'USD' })).status).toBe(200);

      // The catalog's job reaches both carts in Redis, before either owner reads them.
      const mixedId = await userIdOf(mixed);
      await eventually(async () => ((await container.cartStore.read(mixedId))?.version === 3 ? true : undefined), 'the job to reach the cart');
      expect((await alone.get<CartBody>('/api/cart')).body).toMatchObject({
        currency: 'USD',
        version: 2,
        items: [{ sku: changing, quantity: 2 }],
        notices: [],
      });
      const left = (await mixed.get<CartBody>('/api/cart')).body;
      expect(left).toMatchObject({ currency: 'EUR', version: 3, items: [{ sku: other, quantity: 1 }], totalCents: 300 });
      expect(left.notices).toEqual([{ sku: changing, reason: 'currency', title: 'Kettle', message: expect.stringContaining('now sold in USD') }]);
      // The cart orders: one currency, no 400.
      expect((await mixed.post('/api/orders', { fromCart: true }, { headers: { 'idempotency-key': `currency-${changing}` } })).status).toBe(202);
    });

    it('does the same for a cart read before the catalog’s job reaches it', async () => {
      const { container } = sut.system;
      const changing = await createProduct(sut.admin, { onHand: 10, title: 'Toaster' });
      const other = await createProduct(sut.admin, { onHand: 10, priceCents: 300 });
      const { alone, mixed } = await cartsHolding(changing, other);
      const refresh = vi.spyOn(container.cartSync, 'productChanged').mockResolvedValue();
      onTestFinished(() => refresh.mockRestore());
      expect((await sut.admin.patch(`/api/admin/products/${changing}`, { currency: 'GBP' })).status).toBe(200);
      expect(refresh).toHaveBeenCalledWith(changing, 'changed');

      expect((await alone.get<CartBody>('/api/cart')).body).toMatchObject({ currency: 'GBP', version: 2, items: [{ sku: changing }] });
      expect((await mixed.get<CartBody>('/api/cart')).body).toMatchObject({
        currency: 'EUR',
        version: 3,
        items: [{ sku: other }],
        notices: [{ sku: changing, reason: 'currency' }],
      });
    });
  });

  it('keeps the line of a product deleted and brought back before the catalog’s job reached the cart', async () => {
    const { container } = sut.system;
    const product = { sku: `BACK-${Date.now().toString(36).toUpperCase()}`, title: 'Phoenix', priceCents: 700, category: 'test', onHand: 5 };
    const sku = await createProduct(sut.admin, product);
    const [buyer] = await guests(sut.system.url!, 1);
    expect((await buyer!.post<CartBody>('/api/cart/items', { sku, quantity: 2 })).body.version).toBe(1);
    // The jobs of the deletion and of the return wait in the queue.
    const queued = vi.spyOn(container.cartSync, 'productChanged').mockResolvedValue();
    onTestFinished(() => queued.mockRestore());
    expect((await sut.admin.delete(`/api/admin/products/${sku}`)).status).toBe(204);
    expect((await sut.admin.post('/api/admin/products', { ...product, priceCents: 800 })).status).toBe(201);
    expect(queued).toHaveBeenCalledWith(sku, 'deleted');

    // The deletion's job runs now: the product is sold again, at its new price.
    expect(await container.cartSync.refresh(sku, 'deleted')).toBe(1);
    expect((await buyer!.get<CartBody>('/api/cart')).body).toMatchObject({
      version: 2,
      items: [{ sku, quantity: 2, unitPriceCents: 800 }],
      notices: [],
    });
  });

  describe('guest carts at login', () => {
    const register = (guest: Api | undefined, email: string) =>
      new Api(sut.system.url!).post('/api/auth/register', { email, password: 'a-long-password', ...(guest ? { guestToken: guest.token } : {}) });
    const login = (guestToken: string | undefined, email: string) =>
      new Api(sut.system.url!).post('/api/auth/login', { email, password: 'a-long-password', ...(guestToken !== undefined ? { guestToken } : {}) });

    it('merges the guest cart into the account: quantities summed, capped by the stock, reported line by line; the guest cart emptied', async () => {
      const [scarce, plenty] = [
        await createProduct(sut.admin, { onHand: 10, priceCents: 700 }),
        await createProduct(sut.admin, { onHand: 50, priceCents: 90 }),
      ];
      const email = `merge-${uniqueSku().toLowerCase()}@example.com`;
      const account = await register(undefined, email);
      expect(account.status).toBe(201);
      expect(account.body.cartMerge).toBeUndefined();
      const customer = new Api(sut.system.url!, account.body.token);
      await customer.post('/api/cart/items', { sku: scarce, quantity: 6 });

      const [guest] = await guests(sut.system.url!, 1);
      await guest!.post('/api/cart/items', { sku: scarce, quantity: 5 });
      await guest!.post('/api/cart/items', { sku: plenty, quantity: 2 });

      const merged = await login(guest!.token, email);
      expect(merged.status).toBe(200);
      const bySku = (a: { sku: string }, b: { sku: string }) => a.sku.localeCompare(b.sku);
      expect(merged.body.cartMerge.lines.sort(bySku)).toEqual(
        [
          { sku: scarce, requested: 5, quantity: 10, capped: 'stock' },
          { sku: plenty, requested: 2, quantity: 2 },
        ].sort(bySku),
      );
      // One change of each cart: the merge.
      expect(merged.body.cartMerge.cart).toMatchObject({ version: 2, totalCents: 10 * 700 + 2 * 90 });
      expect((await customer.get<CartBody>('/api/cart')).body).toEqual(merged.body.cartMerge.cart);
      expect((await guest!.get<CartBody>('/api/cart')).body).toMatchObject({ items: [], version: 3 });

      // Logging in again with the same guest token merges nothing more.
      const again = await login(guest!.token, email);
      expect(again.body.cartMerge.lines).toEqual([]);
      expect((await customer.get<CartBody>('/api/cart')).body.version).toBe(2);
    });

    it('gives a new account the guest cart at registration, and skips (reporting why) a token that is not a valid guest session', async () => {
      const sku = await createProduct(sut.admin, { onHand: 5 });
      const [guest] = await guests(sut.system.url!, 1);
      await guest!.post('/api/cart/items', { sku, quantity: 2 });
      const email = `register-${uniqueSku().toLowerCase()}@example.com`;
      const created = await register(guest, email);
      expect(created.status).toBe(201);
      expect(created.body.cartMerge).toMatchObject({ lines: [{ sku, requested: 2, quantity: 2 }], cart: { items: [{ sku, quantity: 2 }] } });

      for (const guestToken of ['not-a-token', created.body.token]) {
        const answer = await login(guestToken, email);
        expect(answer.status).toBe(200);
        expect(answer.body.cartMerge).toMatchObject({ lines: [], skipped: expect.any(String) });
      }
      expect((await login('', email)).status).toBe(400);
      // A wrong password merges nothing.
      const [other] = await guests(sut.system.url!, 1);
      await other!.post('/api/cart/items', { sku, quantity: 1 });
      const wrong = await new Api(sut.system.url!).post('/api/auth/login', { email, password: 'wrong-password', guestToken: other!.token });
      expect(wrong.status).toBe(401);
      expect((await other!.get<CartBody>('/api/cart')).body.items).toHaveLength(1);
    });
  });
});

describe('stock levels a cart change is checked against', () => {
  // A memory longer than any test takes, so what it changes shows without timing.
  const sut = useSystem({ api: true, worker: false }, { CART_STOCK_CACHE_MS: '60000' });

  it('reuses a plentiful level it read lately, and reads a scarce one afresh for every change, so a refusal near the end of stock is exact', async () => {
    const plentiful = await createProduct(sut.admin, { onHand: 5_000 });
    const scarce = await createProduct(sut.admin, { onHand: 999 });
    const [buyer] = await guests(sut.system.url!, 1);

    expect((await buyer!.post<CartBody>('/api/cart/items', { sku: plentiful, quantity: 1 })).body.items[0]).toMatchObject({ available: 5_000 });
    expect((await sut.admin.put(`/api/admin/inventory/${plentiful}`, { onHand: 10 })).status).toBe(200);
    // At least 1,000 units, more than a line may hold: the level read a moment ago answers the next change.
    const remembered = await buyer!.post<CartBody>('/api/cart/items', { sku: plentiful, quantity: 1 });
    expect(remembered.status).toBe(200);
    expect(remembered.body.items[0]).toMatchObject({ quantity: 2, available: 5_000 });
    // A read of the cart reads the gates; the level it finds is no longer plentiful, so the next change reads again.
    expect((await buyer!.get<CartBody>('/api/cart')).body.items[0]).toMatchObject({ quantity: 2, available: 10 });
    const refused = await buyer!.post('/api/cart/items', { sku: plentiful, quantity: 9 });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_STOCK', details: { sku: plentiful, requested: 11, available: 10 } });

    // Below 1,000 units every change reads the gate: what an admin took away a moment ago already counts.
    const added = await buyer!.post<CartBody>('/api/cart/items', { sku: scarce, quantity: 1 });
    expect(added.body.items.find((item) => item.sku === scarce)).toMatchObject({ available: 999 });
    expect((await sut.admin.put(`/api/admin/inventory/${scarce}`, { onHand: 2 })).status).toBe(200);
    const tooMany = await buyer!.post('/api/cart/items', { sku: scarce, quantity: 2 });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error).toMatchObject({ code: 'INSUFFICIENT_STOCK', details: { sku: scarce, requested: 3, available: 2 } });
    const cart = await buyer!.get<CartBody>('/api/cart');
    expect(quantities(cart.body)).toEqual({ [plentiful]: 2, [scarce]: 1 });
  });
});
