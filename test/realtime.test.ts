import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { publishOrderUpdate } from '../src/modules/realtime/order-updates.js';
import { createProduct } from './support/fixtures.js';
import { Api, guests, settleInWaves } from './support/http.js';
import { TestSocket } from './support/sockets.js';
import { type ChildRole, spawnRole, useSystem } from './support/system.js';

/**
 * Socket.IO on the API port: a change made through any instance, or by a worker, reaches the
 * owner's sockets on every instance. Deadlines are generous (the machine is shared): these tests
 * assert that events arrive, not how fast.
 */
describe('real time across two API instances', () => {
  const sut = useSystem({ api: true, worker: true }, { CART_STOCK_WATCH_INTERVAL_MS: '300', STOCK_UPDATE_INTERVAL_MS: '200' });
  let second: ChildRole;
  const sockets: TestSocket[] = [];
  const socketTo = (baseUrl: string, auth: Record<string, unknown>, options?: { reconnection?: boolean }) => {
    const socket = new TestSocket(baseUrl, auth, options);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    second = await spawnRole(sut.stores, 'api');
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await second?.kill();
  });

  it('pushes a cart change made through one instance to the owner’s socket on the other, and the cart at once on connecting', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10, priceCents: 500 });
    const [buyer] = await guests(sut.system.url!, 1);
    await buyer!.post('/api/cart/items', { sku, quantity: 1 });

    const socket = socketTo(second.url!, { token: buyer!.token });
    await socket.connected();
    expect(await socket.next('cart:update')).toMatchObject({ version: 1, items: [{ sku, quantity: 1 }] });

    const changed = await buyer!.post('/api/cart/items', { sku, quantity: 2 });
    expect(await socket.next('cart:update', (cart) => cart.version === 2)).toEqual(changed.body);

    // Another user's change does not reach this socket.
    const [stranger] = await guests(sut.system.url!, 1);
    await stranger!.post('/api/cart/items', { sku, quantity: 1 });
    await buyer!.delete('/api/cart');
    await socket.next('cart:update', (cart) => cart.version === 3);
    expect(socket.received.filter((entry) => entry.event === 'cart:update').map((entry) => entry.payload.version)).toEqual([1, 2, 3]);
  });

  it('gives a reconnecting client its current cart at once', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const [buyer] = await guests(sut.system.url!, 1);
    const socket = socketTo(sut.system.url!, { token: buyer!.token });
    await socket.connected();
    await socket.next('cart:update', (cart) => cart.version === 0);

    socket.socket.disconnect();
    // Changed while the socket was away: the push of that change reaches no socket of this client.
    await new Api(second.url!, buyer!.token).post('/api/cart/items', { sku, quantity: 4 });
    socket.socket.connect();
    await socket.connected();
    expect(await socket.next('cart:update', (cart) => cart.version === 1)).toMatchObject({ items: [{ sku, quantity: 4 }] });
  });

  it('lets clients reconnect by themselves when an instance stops gracefully (a rolling restart), with their cart at once', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const [buyer] = await guests(sut.system.url!, 1);
    const stopping = await spawnRole(sut.stores, 'api');
    const socket = socketTo(stopping.url!, { token: buyer!.token }, { reconnection: true });
    await socket.connected();
    await socket.next('cart:update', (cart) => cart.version === 0);

    const disconnected = new Promise<string>((resolve) => socket.socket.once('disconnect', resolve));
    await stopping.kill('SIGTERM');
    // "io server disconnect" is the one reason socket.io-client does not reconnect after.
    expect(await disconnected).toBe('transport close');

    // Changed meanwhile through another instance; then the stopped one comes back on its port.
    await buyer!.post('/api/cart/items', { sku, quantity: 2 });
    const back = await spawnRole(sut.stores, 'api', { PORT: new URL(stopping.url!).port });
    try {
      expect(await socket.next('cart:update', (cart) => cart.version === 1)).toMatchObject({ items: [{ sku, quantity: 2 }] });
    } finally {
      socket.close();
      await back.kill();
    }
  });

  it('refuses a connection whose token is not valid with connect_error UNAUTHENTICATED', async () => {
    for (const auth of [{ token: '' }, { token: 'not-a-token' }, { token: 42 }, { token: null }]) {
      const socket = socketTo(second.url!, auth);
      const refusal = await socket.connected().then(
        () => undefined,
        (error: Error & { data?: { code: string } }) => error,
      );
      expect(refusal?.data?.code).toBe('UNAUTHENTICATED');
      expect(refusal?.message).toMatch(/token/);
      expect(socket.socket.connected).toBe(false);
    }
  });

  it('lets a visitor without a token follow stock, and nothing else: no cart, no user’s events', async () => {
    const sku = await createProduct(sut.admin, { onHand: 7 });
    const [buyer] = await guests(sut.system.url!, 1);
    const visitor = socketTo(second.url!, {});
    await visitor.connected();
    expect(await visitor.request('product:watch', { sku })).toEqual({ sku, available: 7 });
    // An order through the other instance reaches the visitor as stock, and its cart and order events do not.
    const buyerSocket = socketTo(second.url!, { token: buyer!.token });
    await buyerSocket.connected();
    expect((await buyer!.post('/api/cart/items', { sku, quantity: 2 })).status).toBe(200);
    expect((await buyer!.order([{ sku, quantity: 2 }], `visitor-${sku}`)).status).toBe(202);
    await buyerSocket.next('order:update');
    expect(await visitor.next('stock:update', (update) => update.available === 5)).toEqual({ sku, available: 5 });
    expect(new Set(visitor.received.map((entry) => entry.event))).toEqual(new Set(['stock:update']));
  });

  it('takes the token with or without a Bearer prefix in any case, as HTTP does, and names the socket’s token when refusing a malformed one', async () => {
    const [viewer] = await guests(sut.system.url!, 1);
    // HTTP takes the scheme in any case; the gateway once added "Bearer " to these and refused a valid token.
    for (const token of [viewer!.token, `Bearer ${viewer!.token}`, `bearer ${viewer!.token}`, `BEARER ${viewer!.token}`]) {
      const socket = socketTo(second.url!, { token });
      await socket.connected();
      expect(await socket.next('cart:update')).toMatchObject({ items: [] });
      socket.close();
    }
    // Nothing here is an Authorization header: the refusal speaks of what the client sent.
    for (const token of ['Bearer ', `Bearer ${viewer!.token} extra`, `${viewer!.token}\n`]) {
      const refusal = await socketTo(second.url!, { token })
        .connected()
        .then(
          () => undefined,
          (error: Error & { data?: { code: string } }) => error,
        );
      expect({ token, code: refusal?.data?.code, message: refusal?.message }).toEqual({
        token,
        code: 'UNAUTHENTICATED',
        message: expect.not.stringMatching(/Authorization header/),
      });
    }
  });

  it('carries a price change and a product deletion to every cart holding the product and to open sockets', async () => {
    const [kept, changing] = [
      await createProduct(sut.admin, { onHand: 10, priceCents: 100 }),
      await createProduct(sut.admin, { onHand: 10, priceCents: 1_000, title: 'Lamp' }),
    ];
    const [watcher, offline] = await guests(sut.system.url!, 2);
    for (const buyer of [watcher!, offline!]) {
      await buyer.post('/api/cart/items', { sku: kept, quantity: 1 });
      await buyer.post('/api/cart/items', { sku: changing, quantity: 2 });
    }
    const socket = socketTo(second.url!, { token: watcher!.token });
    await socket.connected();
    await socket.next('cart:update', (cart) => cart.version === 2);
    // Someone on the product's page, not holding it: told to read it again, and then reads the new price.
    const onlooker = socketTo(sut.system.url!, {});
    await onlooker.connected();
    expect(await onlooker.request('product:watch', { sku: changing })).toEqual({ sku: changing, available: 10 });

    expect((await sut.admin.patch(`/api/admin/products/${changing}`, { priceCents: 1_250 })).status).toBe(200);
    expect(await onlooker.next('product:update')).toEqual({ sku: changing, change: 'changed' });
    expect((await new Api(second.url!).get(`/api/products/${changing}`)).body.priceCents).toBe(1_250);
    const repriced = await socket.next('cart:update', (cart) => cart.version === 3);
    expect(repriced.items.find((item: { sku: string }) => item.sku === changing)).toMatchObject({ unitPriceCents: 1_250, lineTotalCents: 2_500 });
    expect(repriced.totalCents).toBe(100 + 2_500);
    expect((await offline!.get('/api/cart')).body).toMatchObject({ version: 3, totalCents: 2_600 });

    expect((await sut.admin.delete(`/api/admin/products/${changing}`)).status).toBe(204);
    expect(await onlooker.next('product:update', (update) => update.change === 'deleted')).toEqual({ sku: changing, change: 'deleted' });
    const pruned = await socket.next('cart:update', (cart) => cart.version === 4);
    expect(pruned).toMatchObject({
      items: [{ sku: kept, quantity: 1 }],
      totalCents: 100,
      notices: [{ sku: changing, reason: 'deleted', title: 'Lamp', message: expect.stringContaining('no longer sold') }],
    });
    expect((await offline!.get('/api/cart')).body).toMatchObject({
      version: 4,
      items: [{ sku: kept }],
      notices: [{ sku: changing, reason: 'deleted' }],
    });

    // The owner's next change clears the notice.
    const next = await offline!.post('/api/cart/items', { sku: kept, quantity: 1 });
    expect(next.body).toMatchObject({ version: 5, notices: [] });
  });

  it('flags a SKU that sells out in the carts holding it, and pushes them', async () => {
    const sku = await createProduct(sut.admin, { onHand: 2 });
    const [holder, rival] = await guests(sut.system.url!, 2);
    await holder!.post('/api/cart/items', { sku, quantity: 1 });
    const socket = socketTo(sut.system.url!, { token: holder!.token });
    await socket.connected();
    await socket.next('cart:update', (cart) => cart.version === 1);

    const sale = await rival!.order([{ sku, quantity: 2 }], 'sells-out');
    expect(sale.status).toBe(202);
    const soldOut = await socket.next('cart:update', (cart) => cart.items[0]?.soldOut === true);
    expect(soldOut).toMatchObject({ version: 1, items: [{ sku, quantity: 1, available: 0, soldOut: true }] });
    expect((await holder!.get('/api/cart')).body.items[0]).toMatchObject({ soldOut: true, available: 0 });

    // Back in stock: pushed again.
    expect((await rival!.post(`/api/orders/${sale.body.id}/cancel`)).status).toBe(200);
    expect(await socket.next('cart:update', (cart) => cart.items[0]?.soldOut === false)).toMatchObject({ items: [{ available: 2 }] });
  });

  it('sends stock:update to sockets watching a product, at once and then sampled, and answers bad payloads with an error', async () => {
    const sku = await createProduct(sut.admin, { onHand: 20 });
    const [viewer, buyer] = await guests(sut.system.url!, 2);
    const socket = socketTo(second.url!, { token: viewer!.token });
    await socket.connected();

    expect(await socket.request('product:watch', { sku })).toEqual({ sku, available: 20 });
    expect(await socket.next('stock:update', (update) => update.available === 20)).toEqual({ sku, available: 20 });
    // Orders through the other instance: the sampled updates reach the watcher, the last one the true stock.
    for (let i = 0; i < 5; i++) expect((await buyer!.order([{ sku, quantity: 1 }], `watch-${i}`)).status).toBe(202);
    expect(await socket.next('stock:update', (update) => update.available === 15)).toEqual({ sku, available: 15 });
    // At most the watch's own and one per sample that saw a change.
    const updates = socket.received.filter((entry) => entry.event === 'stock:update');
    expect(updates.length).toBeLessThanOrEqual(1 + 5);

    expect(await socket.request('product:unwatch', { sku })).toEqual({ sku });
    for (const payload of [{}, { sku: 'bad sku!' }, 'FLASH', { sku, extra: 1 }]) {
      expect(await socket.request('product:watch', payload)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
      expect(await socket.request('product:unwatch', payload)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    expect(await socket.request('product:watch', { sku: 'NO-SUCH-PRODUCT' })).toMatchObject({ error: { code: 'NOT_FOUND' } });
    // Sent with no payload at all, the acknowledgement is the only argument: it is answered too.
    for (const event of ['product:watch', 'product:unwatch']) {
      expect(await socket.socket.timeout(15_000).emitWithAck(event)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('applies a watch and an unwatch sent together in the order sent: the product is left unwatched', async () => {
    const [left, barrier] = [await createProduct(sut.admin, { onHand: 5 }), await createProduct(sut.admin, { onHand: 5 })];
    const [viewer, buyer] = await guests(sut.system.url!, 2);
    const socket = socketTo(sut.system.url!, { token: viewer!.token });
    await socket.connected();
    // A product page shown and left at once: its unwatch follows its watch before the watch has read the stock.
    const [, unwatched] = await Promise.all([socket.request('product:watch', { sku: left }), socket.request('product:unwatch', { sku: left })]);
    expect(unwatched).toEqual({ sku: left });

    expect(await socket.request('product:watch', { sku: barrier })).toEqual({ sku: barrier, available: 5 });
    expect((await buyer!.order([{ sku: left, quantity: 1 }], `after-unwatch-${left}`)).status).toBe(202);
    expect((await buyer!.order([{ sku: barrier, quantity: 1 }], `barrier-${barrier}`)).status).toBe(202);
    // The sample that tells this socket of the other product's order comes after the first: had the socket
    // stayed in the first product's room, that sample or an earlier one would have told it of its 4.
    await socket.next('stock:update', (update) => update.sku === barrier && update.available === 4);
    const told = socket.received.filter((entry) => entry.event === 'stock:update' && entry.payload.sku === left);
    expect(told.filter((entry) => entry.payload.available === 4)).toEqual([]);
  });

  it('sends each watcher a product’s stock once per value, however many sockets watch it', async () => {
    const [watched, barrier] = [await createProduct(sut.admin, { onHand: 5 }), await createProduct(sut.admin, { onHand: 5 })];
    const [first, second, buyer] = await guests(sut.system.url!, 3);
    const [early, late] = [socketTo(sut.system.url!, { token: first!.token }), socketTo(sut.system.url!, { token: second!.token })];
    await Promise.all([early.connected(), late.connected()]);
    expect(await early.request('product:watch', { sku: watched })).toEqual({ sku: watched, available: 5 });
    expect(await late.request('product:watch', { sku: watched })).toEqual({ sku: watched, available: 5 });
    // A sample that tells the early watcher of the other product's order comes after both watches.
    expect(await early.request('product:watch', { sku: barrier })).toEqual({ sku: barrier, available: 5 });
    expect((await buyer!.order([{ sku: barrier, quantity: 1 }], `barrier-${barrier}`)).status).toBe(202);
    await early.next('stock:update', (update) => update.sku === barrier && update.available === 4);

    expect((await buyer!.order([{ sku: watched, quantity: 1 }], `watched-${watched}`)).status).toBe(202);
    for (const socket of [early, late]) {
      await socket.next('stock:update', (update) => update.sku === watched && update.available === 4);
      const told = socket.received.filter((entry) => entry.event === 'stock:update' && entry.payload.sku === watched);
      expect(told.map((entry) => entry.payload.available)).toEqual([5, 4]);
    }
  });

  it('tells the watchers of a product taken off the catalog that none is left, and of its stock again when it comes back', async () => {
    const sku = await createProduct(sut.admin, { onHand: 3 });
    const [viewer] = await guests(sut.system.url!, 1);
    const socket = socketTo(second.url!, { token: viewer!.token });
    await socket.connected();
    expect(await socket.request('product:watch', { sku })).toEqual({ sku, available: 3 });

    expect((await sut.admin.delete(`/api/admin/products/${sku}`)).status).toBe(204);
    expect(await socket.next('stock:update', (update) => update.available === 0)).toEqual({ sku, available: 0 });
    const product = { sku, title: 'Back again', priceCents: 100, category: 'test' };
    expect((await sut.admin.post('/api/admin/products', product)).status).toBe(201);
    expect(await socket.next('stock:update', (update) => update.available === 3)).toEqual({ sku, available: 3 });
  });

  it('closes a socket’s connection when its token expires, and its reconnection is refused UNAUTHENTICATED', async () => {
    const [viewer] = await guests(sut.system.url!, 1);
    const userId = (await viewer!.get('/api/me')).body.id as string;
    const shortLived = createSigner({ key: sut.stores.env.JWT_SECRET!, expiresIn: 3_000 })({ sub: userId, role: 'guest' });
    const socket = socketTo(second.url!, { token: shortLived }, { reconnection: true });
    await socket.connected();
    await socket.next('cart:update');

    expect(await socket.next('disconnect')).toBe('transport close');
    const refusal = (await socket.next('connect_error')) as Error & { data?: { code: string } };
    expect(refusal.data?.code).toBe('UNAUTHENTICATED');
    expect(socket.socket.active).toBe(false);
  });

  it('lets a socket watch at most 100 products, however many watches it sends at once', async () => {
    const created = await settleInWaves(
      Array.from({ length: 110 }, () => () => createProduct(sut.admin, { onHand: 1 })),
      20,
    );
    const skus = created.map((result) => (result.status === 'fulfilled' ? result.value : ''));
    const [viewer] = await guests(sut.system.url!, 1);
    const socket = socketTo(sut.system.url!, { token: viewer!.token });
    await socket.connected();
    // One burst: every watch was counted before any had joined its room, and all 110 were let in.
    const answers = await Promise.all(skus.map((sku) => socket.request('product:watch', { sku })));
    expect(answers.filter((answer) => 'available' in answer)).toHaveLength(100);
    expect(answers.filter((answer) => answer.error?.code === 'VALIDATION_FAILED')).toHaveLength(10);
  });

  it('delivers order:update emitted from any process (the Redis emitter) to the owner’s sockets on every instance', async () => {
    const [buyer] = await guests(sut.system.url!, 1);
    const userId = (await buyer!.get('/api/me')).body.id as string;
    const [here, there] = [socketTo(sut.system.url!, { token: buyer!.token }), socketTo(second.url!, { token: buyer!.token })];
    await Promise.all([here.connected(), there.connected()]);

    const at = new Date();
    publishOrderUpdate(sut.system.container.realtime, {
      userId,
      orderId: '00000000-0000-4000-8000-000000000001',
      status: 'CANCELLED',
      at,
      actor: 'admin',
      reason: 'test',
    });
    const expected = { orderId: '00000000-0000-4000-8000-000000000001', status: 'CANCELLED', at: at.toISOString(), actor: 'admin', reason: 'test' };
    expect(await here.next('order:update')).toEqual(expected);
    expect(await there.next('order:update')).toEqual(expected);
  });

  it('tells the owner’s other devices of a new order once it is stored, PENDING at the time it was placed', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const otherDevice = socketTo(second.url!, { token: buyer!.token });
    await otherDevice.connected();
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'placed-elsewhere');
    expect(placed.status).toBe(202);
    const pushed = await otherDevice.next('order:update', (update) => update.orderId === placed.body.id);
    expect(pushed).toEqual({ orderId: placed.body.id, status: 'PENDING', at: expect.any(String), actor: 'customer' });
    expect(Date.parse(placed.body.createdAt)).toBeGreaterThan(0);
    expect(Date.parse(pushed.at)).toBe(Date.parse(placed.body.createdAt));
  });

  it('tells the owner’s sockets of an order’s status change, with its reason, once the change has committed', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const socket = socketTo(second.url!, { token: buyer!.token });
    await socket.connected();
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'to-cancel');
    expect(placed.status).toBe(202);
    expect((await buyer!.post(`/api/orders/${placed.body.id}/cancel`, { reason: 'changed my mind' })).status).toBe(200);
    const pushed = await socket.next('order:update', (update) => update.orderId === placed.body.id && update.status === 'CANCELLED');
    expect(pushed).toMatchObject({
      orderId: placed.body.id,
      status: 'CANCELLED',
      reason: 'changed my mind',
      at: expect.any(String),
      actor: 'customer',
    });
    // The push's time and actor are the history entry's, so a client can match one with the other.
    const history = (await buyer!.get(`/api/orders/${placed.body.id}`)).body.history as { status: string; at: string; actor: string }[];
    const entry = history.find((candidate) => candidate.status === 'CANCELLED')!;
    expect(new Date(pushed.at).getTime()).toBe(new Date(entry.at).getTime());
    expect(pushed.actor).toBe(entry.actor);
  });

  it('announces an order’s status change only to an owner with a socket connected somewhere', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const userId = (await buyer!.get('/api/me')).body.id as string;
    const emits = vi.spyOn(sut.system.container.realtime, 'emitToUser');
    const announced = (orderId: string) =>
      emits.mock.calls.filter(([id, event, payload]) => {
        const update = payload as { orderId: string; status: string };
        return id === userId && event === 'order:update' && update.orderId === orderId && update.status === 'CANCELLED';
      });
    const cancelled = async (key: string) => {
      const placed = await buyer!.order([{ sku, quantity: 1 }], key);
      expect(placed.status).toBe(202);
      expect((await buyer!.post(`/api/orders/${placed.body.id}/cancel`, {})).status).toBe(200);
      return placed.body.id as string;
    };
    try {
      const offline = await cancelled('no-socket');
      const socket = socketTo(second.url!, { token: buyer!.token });
      await socket.connected();
      const online = await cancelled('with-socket');
      await socket.next('order:update', (update) => update.orderId === online && update.status === 'CANCELLED');
      // The first cancellation's presence read went to Redis before the second's, on one connection.
      expect(announced(online)).toHaveLength(1);
      expect(announced(offline)).toHaveLength(0);
    } finally {
      emits.mockRestore();
    }
  });

  it('publishes an owner’s cart change only while the owner has a socket connected somewhere', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const [buyer] = await guests(sut.system.url!, 1);
    const userId = (await buyer!.get('/api/me')).body.id as string;
    const emits = vi.spyOn(sut.system.container.realtime, 'emitToUser');
    try {
      await buyer!.post('/api/cart/items', { sku, quantity: 1 });
      expect(emits.mock.calls.filter(([id]) => id === userId)).toHaveLength(0);

      const socket = socketTo(second.url!, { token: buyer!.token });
      await socket.connected();
      await socket.next('cart:update', (cart) => cart.version === 1);
      await buyer!.post('/api/cart/items', { sku, quantity: 1 });
      expect(await socket.next('cart:update', (cart) => cart.version === 2)).toMatchObject({ items: [{ sku, quantity: 2 }] });
      expect(emits.mock.calls.filter(([id]) => id === userId)).toHaveLength(1);

      socket.close();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await buyer!.post('/api/cart/items', { sku, quantity: 1 });
      expect(emits.mock.calls.filter(([id]) => id === userId)).toHaveLength(1);
    } finally {
      emits.mockRestore();
    }
  });

  it('pushes the cart an order from it emptied only while the owner has a socket connected', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const [buyer] = await guests(sut.system.url!, 1);
    const userId = (await buyer!.get('/api/me')).body.id as string;
    const cartPushes = vi.spyOn(sut.system.container.realtime, 'emitToUser');
    const pushedCarts = () => cartPushes.mock.calls.filter(([id, event]) => id === userId && event === 'cart:update').length;
    const orderTheCart = (key: string) => buyer!.post('/api/orders', { fromCart: true }, { headers: { 'idempotency-key': key } });
    try {
      const socket = socketTo(second.url!, { token: buyer!.token });
      await socket.connected();
      await socket.next('cart:update');
      await buyer!.post('/api/cart/items', { sku, quantity: 1 });
      await socket.next('cart:update', (cart) => cart.version === 1);
      expect((await orderTheCart('online')).status).toBe(202);
      expect(await socket.next('cart:update', (cart) => cart.version === 2)).toMatchObject({ items: [] });

      socket.close();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = pushedCarts();
      await buyer!.post('/api/cart/items', { sku, quantity: 1 });
      expect((await orderTheCart('offline')).status).toBe(202);
      expect((await buyer!.get('/api/cart')).body).toMatchObject({ version: 4, items: [] });
      expect(pushedCarts()).toBe(before);
    } finally {
      cartPushes.mockRestore();
    }
  });
});
