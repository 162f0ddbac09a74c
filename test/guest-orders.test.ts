import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createProduct } from './support/fixtures.js';
import { Api, eventually, guests } from './support/http.js';
import { TestSocket } from './support/sockets.js';
import { ADMIN, useSystem } from './support/system.js';

const email = (who: string) => `${who}-${randomBytes(4).toString('hex')}@example.test`;

/**
 * A buyer who checked out as a guest and then registers or signs in in the same browser (sending
 * the guest token, as for the cart's merge) finds those orders in the account: listed, readable,
 * payable and cancellable there, on any device, and their pushes reach the account's sockets.
 */
describe('guest orders in the account the guest signs in to', () => {
  const sut = useSystem({ api: true, worker: true, pspSim: true });
  const sockets: TestSocket[] = [];

  afterAll(() => {
    for (const socket of sockets) socket.close();
  });

  async function guestWithOrders(count: number): Promise<{ guest: Api; orderIds: string[] }> {
    const sku = await createProduct(sut.admin, { onHand: 10, priceCents: 1_500 });
    const [guest] = await guests(sut.system.url!, 1);
    const orderIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const placed = await guest!.order([{ sku, quantity: 1 }], `guest-${i}`);
      expect(placed.status).toBe(202);
      orderIds.push(placed.body.id);
    }
    return { guest: guest!, orderIds };
  }

  async function register(guestToken?: string): Promise<{ account: Api; id: string; email: string; password: string }> {
    const credentials = { email: email('buyer'), password: 'correct horse battery' };
    const registered = await new Api(sut.system.url!).post('/api/auth/register', { ...credentials, ...(guestToken ? { guestToken } : {}) });
    expect(registered.status).toBe(201);
    return { account: new Api(sut.system.url!, registered.body.token), id: registered.body.user.id, ...credentials };
  }

  it('lists, shows, pays and cancels the orders of the guest session that registered', async () => {
    const { guest, orderIds } = await guestWithOrders(2);
    const { account } = await register(guest.token);

    // Listed whether or not the worker has stored them yet.
    const listed = await eventually(async () => {
      const list = (await account.get('/api/orders')).body;
      return list.total === 2 ? list : undefined;
    }, 'the guest orders in the account’s list');
    expect(listed.items.map((order: { id: string }) => order.id).sort()).toEqual([...orderIds].sort());
    for (const id of orderIds) expect((await account.get(`/api/orders/${id}`)).body).toMatchObject({ id, status: 'PENDING' });

    const payment = await account.post(`/api/orders/${orderIds[0]}/payment`);
    expect(payment.status).toBe(201);
    expect(payment.body.checkoutUrl).toContain(payment.body.paymentId);
    const cancelled = await account.post(`/api/orders/${orderIds[1]}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    // The guest session still has them too.
    expect((await guest.get(`/api/orders/${orderIds[1]}`)).body.status).toBe('CANCELLED');
  });

  it('lets a guest session’s orders be taken over by the first account that signs in with it, and no other', async () => {
    const { guest, orderIds } = await guestWithOrders(1);
    const first = await register();
    const login = await new Api(sut.system.url!).post('/api/auth/login', { email: first.email, password: first.password, guestToken: guest.token });
    expect(login.status).toBe(200);
    const firstAccount = new Api(sut.system.url!, login.body.token);
    expect((await firstAccount.get(`/api/orders/${orderIds[0]}`)).status).toBe(200);

    // The same guest token sent by another account's login takes nothing over.
    const second = await register(guest.token);
    expect((await second.account.get(`/api/orders/${orderIds[0]}`)).status).toBe(404);
    expect((await second.account.post(`/api/orders/${orderIds[0]}/payment`)).status).toBe(404);
    expect((await second.account.post(`/api/orders/${orderIds[0]}/cancel`, {})).status).toBe(404);
    expect((await second.account.get('/api/orders')).body.total).toBe(0);
    // Nor does an account that sent no guest token, nor another guest.
    const stranger = await register();
    const [otherGuest] = await guests(sut.system.url!, 1);
    for (const api of [stranger.account, otherGuest!]) expect((await api.get(`/api/orders/${orderIds[0]}`)).status).toBe(404);
    expect((await firstAccount.get('/api/orders')).body.total).toBe(1);
  });

  it('leaves a guest session’s orders to a customer’s account when an admin signs in with it first', async () => {
    const { guest, orderIds } = await guestWithOrders(1);
    const admin = await new Api(sut.system.url!).post('/api/auth/login', { ...ADMIN, guestToken: guest.token });
    expect(admin.status).toBe(200);
    const { account } = await register(guest.token);
    expect((await account.get(`/api/orders/${orderIds[0]}`)).status).toBe(200);
  });

  it('pushes the status changes of the adopted orders to the account’s sockets, not only the guest’s', async () => {
    const { guest, orderIds } = await guestWithOrders(1);
    const { account } = await register(guest.token);
    const socket = new TestSocket(sut.system.url!, { token: account.token });
    sockets.push(socket);
    await socket.connected();

    const cancelled = await guest.post(`/api/orders/${orderIds[0]}/cancel`, { reason: 'changed my mind' });
    expect(cancelled.status).toBe(200);
    const pushed = await socket.next('order:update', (update) => update.orderId === orderIds[0] && update.status === 'CANCELLED');
    expect(pushed).toMatchObject({ orderId: orderIds[0], status: 'CANCELLED', reason: 'changed my mind' });
  });
});

describe('guest orders not yet stored, in the account the guest signs in to', () => {
  // No worker: the orders stay in Redis, accepted and not stored, and are read from their reservation.
  const sut = useSystem({ api: true, worker: false });

  it('shows and cancels them from the account, and lists them once they are stored', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [guest] = await guests(sut.system.url!, 1);
    const placed = await guest!.order([{ sku, quantity: 1 }], 'unstored');
    expect(placed.status).toBe(202);
    const registered = await new Api(sut.system.url!).post('/api/auth/register', {
      email: email('unstored'),
      password: 'correct horse battery',
      guestToken: guest!.token,
    });
    expect(registered.status).toBe(201);
    const account = new Api(sut.system.url!, registered.body.token);

    expect((await account.get(`/api/orders/${placed.body.id}`)).body).toMatchObject({ id: placed.body.id, status: 'PENDING' });
    // Cancelling stores it first: then it is in the account's list.
    const cancelled = await account.post(`/api/orders/${placed.body.id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    const list = (await account.get('/api/orders')).body;
    expect(list.items.map((order: { id: string; status: string }) => [order.id, order.status])).toEqual([[placed.body.id, 'CANCELLED']]);
  });
});
