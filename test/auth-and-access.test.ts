import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSystem } from '../src/system.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { Api, eventually, guests } from './support/http.js';
import { ADMIN, createTestStores, startInProcess, type TestStores, useSystem } from './support/system.js';

describe('authentication and authorization', () => {
  const sut = useSystem({ api: true, worker: true });
  let anonymous: Api;

  beforeAll(async () => {
    anonymous = new Api(sut.system.url!);
  });

  it('registers a customer, logs in, and tells the caller who they are', async () => {
    const registered = await anonymous.post('/api/auth/register', { email: 'Ada@Example.com', password: 'correct horse', name: 'Ada' });
    expect(registered.status).toBe(201);
    expect(registered.body.user).toMatchObject({ email: 'ada@example.com', name: 'Ada', role: 'customer' });

    const duplicate = await anonymous.post('/api/auth/register', { email: 'ada@example.com', password: 'another one' });
    expect(duplicate.status).toBe(409);

    const wrong = await anonymous.post('/api/auth/login', { email: 'ada@example.com', password: 'wrong password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHENTICATED');
    const unknown = await anonymous.post('/api/auth/login', { email: 'nobody@example.com', password: 'whatever1' });
    expect(unknown.status).toBe(401);

    const login = await anonymous.post('/api/auth/login', { email: 'ADA@example.com', password: 'correct horse' });
    expect(login.status).toBe(200);
    const me = await anonymous.as(login.body.token).get('/api/me');
    expect(me.body).toEqual({ id: registered.body.user.id, email: 'ada@example.com', name: 'Ada', role: 'customer' });
  });

  it('creates guests cheaply, who can order', async () => {
    const guest = await anonymous.post('/api/auth/guest');
    expect(guest.status).toBe(201);
    expect(guest.body.user.role).toBe('guest');
    const sku = await createProduct(sut.admin, { onHand: 1 });
    expect((await anonymous.as(guest.body.token).order([{ sku, quantity: 1 }], 'guest-order')).status).toBe(202);
  });

  it('answers 401 without a valid token', async () => {
    const expired = createSigner({ key: sut.stores.env.JWT_SECRET! })({
      sub: '00000000-0000-4000-8000-000000000000',
      role: 'customer',
      exp: Math.floor(Date.now() / 1_000) - 60,
    });
    const forged = createSigner({ key: 'another-secret-that-is-long-enough-to-sign' })({ sub: 'x', role: 'admin' });
    // Signed with the real secret, but naming no possible user: every route once answered 500, and an
    // order it placed could never be stored, holding up the orders behind it.
    const noUser = createSigner({ key: sut.stores.env.JWT_SECRET! })({ sub: 'not-a-uuid', role: 'customer' });
    // Signed with the real secret and naming a user, but never expiring: our tokens always expire.
    const guest = await anonymous.post('/api/auth/guest');
    const forever = createSigner({ key: sut.stores.env.JWT_SECRET!, noTimestamp: true })({ sub: guest.body.user.id, role: 'guest' });
    expect((await anonymous.as(guest.body.token).get('/api/me')).status).toBe(200);
    for (const api of [
      anonymous,
      anonymous.as('not-a-jwt'),
      anonymous.as(expired),
      anonymous.as(forged),
      anonymous.as(noUser),
      anonymous.as(forever),
    ]) {
      for (const [method, path] of [
        ['GET', '/api/me'],
        ['GET', '/api/orders'],
        ['POST', '/api/orders'],
        ['GET', '/api/admin/orders'],
        ['GET', '/api/admin/inventory/ANY'],
      ] as const) {
        const body = method === 'POST' ? { items: [] } : undefined;
        const answer = await api.request(method, path, { headers: { 'idempotency-key': 'k' }, body });
        expect({ path, status: answer.status, code: answer.body.error.code }).toEqual({ path, status: 401, code: 'UNAUTHENTICATED' });
      }
    }
    const malformed = await anonymous.get('/api/me', { headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
  });

  it('answers 403 to customers and guests on admin routes, and changes nothing', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [guest] = await guests(sut.system.url!, 1);
    const customer = await anonymous.post('/api/auth/register', { email: 'bob@example.com', password: 'bob password' });
    for (const api of [guest!, anonymous.as(customer.body.token)]) {
      const attempts = [
        api.get('/api/admin/orders'),
        api.get(`/api/admin/inventory/${sku}`),
        api.post(`/api/admin/inventory/${sku}/adjust`, { delta: 100 }),
        api.put(`/api/admin/inventory/${sku}`, { onHand: 100 }),
        api.post('/api/admin/products', { sku: 'HACK-1', title: 'x', priceCents: 1, category: 'test' }),
        api.patch(`/api/admin/products/${sku}`, { priceCents: 1 }),
        api.delete(`/api/admin/products/${sku}`),
      ];
      for (const answer of await Promise.all(attempts)) {
        expect(answer.status).toBe(403);
        expect(answer.body.error.code).toBe('FORBIDDEN');
      }
    }
    const product = await anonymous.get(`/api/products/${sku}`);
    expect(product.body).toMatchObject({ priceCents: 1_000, available: 5 });
  });

  it("hides another user's order behind a 404, and lets an admin see it, and cancel it as the admin", async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [alice, mallory] = await guests(sut.system.url!, 2);
    const order = await alice!.order([{ sku, quantity: 1 }], 'private');
    expect(order.status).toBe(202);
    expect((await mallory!.get(`/api/orders/${order.body.id}`)).status).toBe(404);
    const cancel = await mallory!.post(`/api/orders/${order.body.id}/cancel`);
    expect(cancel.status).toBe(404);
    expect((await mallory!.get('/api/orders')).body.total).toBe(0);
    expect((await alice!.get(`/api/orders/${order.body.id}`)).body.status).toBe('PENDING');
    expect((await sut.admin.get(`/api/orders/${order.body.id}`)).status).toBe(200);

    // An admin may cancel it through the buyer's route; its history says an admin did, not the buyer.
    const cancelled = await sut.admin.post(`/api/orders/${order.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    const seenByOwner = await alice!.get(`/api/orders/${order.body.id}`);
    expect(seenByOwner.body.status).toBe('CANCELLED');
    expect(seenByOwner.body.history.at(-1)).toMatchObject({ status: 'CANCELLED', actor: 'admin', reason: 'cancelled by an administrator' });

    // Read at the same moment (one Postgres read serves them): each owner gets their own order, nobody else's.
    const many = await createProduct(sut.admin, { onHand: 10 });
    const owners = await guests(sut.system.url!, 10);
    const ids = await Promise.all(owners.map(async (owner, i) => (await owner.order([{ sku: many, quantity: 1 }], `mine-${i}`)).body.id as string));
    await eventually(async () => ((await inventoryOf(sut.admin, many)).reserved === 10 ? true : undefined), 'the orders stored');
    const reads = await Promise.all(
      owners.flatMap((owner, i) => [owner.get(`/api/orders/${ids[i]}`), owner.get(`/api/orders/${ids[(i + 1) % 10]}`)]),
    );
    for (let i = 0; i < owners.length; i++) {
      expect(reads[2 * i]).toMatchObject({ status: 200, body: { id: ids[i], status: 'PENDING' } });
      expect(reads[2 * i + 1]!.status).toBe(404);
    }
  });
});

describe('rate limits', () => {
  let stores: TestStores;
  let system: RunningSystem;

  beforeAll(async () => {
    stores = await createTestStores();
    system = await startInProcess(stores, { api: true, worker: false }, { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'true' });
  });

  afterAll(async () => {
    await system?.close();
    await stores?.cleanup();
  });

  it('answers 429 RATE_LIMITED past the limit on guest creation and login', async () => {
    const api = new Api(system.url!);
    const guestsCreated = await Promise.all(Array.from({ length: 5 }, () => api.post('/api/auth/guest')));
    expect(guestsCreated.map((answer) => answer.status).sort()).toEqual([201, 201, 201, 429, 429]);
    const limited = guestsCreated.find((answer) => answer.status === 429)!;
    expect(limited.body.error.code).toBe('RATE_LIMITED');

    const logins = [];
    for (let i = 0; i < 4; i++) logins.push(await api.post('/api/auth/login', { email: 'x@example.com', password: 'whatever1' }));
    expect(logins.map((answer) => answer.status)).toEqual([401, 401, 401, 429]);
  });

  it('counts logins per account and orders per user, whatever address each comes from', async () => {
    const api = new Api(system.url!);
    const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
    const logins = [];
    for (let i = 0; i < 4; i++)
      logins.push(await api.post('/api/auth/login', { email: 'spread@example.com', password: 'whatever1' }, from(`10.0.1.${i}`)));
    expect(logins.map((answer) => answer.status)).toEqual([401, 401, 401, 429]);
    expect(logins[3]!.body.error.code).toBe('RATE_LIMITED');
    expect(Number(logins[3]!.headers.get('retry-after'))).toBeGreaterThan(0);
    // Each answer says where the caller stands against the tightest limit (here the account's).
    expect(logins.map((answer) => answer.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(logins.map((answer) => answer.headers.get('x-ratelimit-limit'))).toEqual(['3', '3', '3', '3']);
    expect(Number(logins[3]!.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);

    const guest = await api.post('/api/auth/guest', undefined, from('10.0.2.1'));
    expect(guest.status).toBe(201);
    const buyer = api.as(guest.body.token);
    const orders = [];
    for (let i = 0; i < 4; i++) {
      const headers = { ...from(`10.0.3.${i}`).headers, 'idempotency-key': `spread-${i}` };
      orders.push(await buyer.post('/api/orders', { items: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] }, { headers }));
    }
    expect(orders.slice(0, 3).map((answer) => answer.status)).not.toContain(429);
    expect(orders[3]!.status).toBe(429);
  });
});

describe('the configured admin', () => {
  it('is the only admin: a start with another ADMIN_EMAIL makes the old account a customer, whose earlier tokens lose the role', async () => {
    const stores = await createTestStores();
    const roleOf = async (system: RunningSystem, credentials: { email: string; password: string }) => {
      const login = await new Api(system.url!).post('/api/auth/login', credentials);
      expect(login.status).toBe(200);
      const inventory = await new Api(system.url!, login.body.token).get('/api/admin/inventory');
      return { role: login.body.user.role, inventory: inventory.status };
    };
    try {
      const first = await startInProcess(stores, { api: true, worker: false });
      let oldToken: string;
      try {
        expect(await roleOf(first, ADMIN)).toEqual({ role: 'admin', inventory: 200 });
        oldToken = (await new Api(first.url!).post('/api/auth/login', ADMIN)).body.token;
      } finally {
        await first.close();
      }
      const rotated = { email: 'new-admin@flashcart.test', password: 'a-new-admin-password' };
      const second = await startInProcess(stores, { api: true, worker: false }, { ADMIN_EMAIL: rotated.email, ADMIN_PASSWORD: rotated.password });
      try {
        expect(await roleOf(second, rotated)).toEqual({ role: 'admin', inventory: 200 });
        expect(await roleOf(second, ADMIN)).toEqual({ role: 'customer', inventory: 403 });
        // A token the old admin got before the rotation is still signed and unexpired: it must not keep the role either.
        const before = new Api(second.url!, oldToken);
        expect((await before.get('/api/admin/inventory')).status).toBe(403);
        expect((await before.get('/api/admin/orders')).status).toBe(403);
        expect((await before.get('/api/me')).body.role).toBe('customer');
        const board = await fetch(`${second.url}/admin/queues`, { headers: { authorization: `Bearer ${oldToken}` }, redirect: 'manual' });
        expect(board.status).toBe(403);
      } finally {
        await second.close();
      }
    } finally {
      await stores.cleanup();
    }
  });
});
