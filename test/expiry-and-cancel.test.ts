import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { type Api, eventually, guests } from './support/http.js';
import { type ChildRole, spawnRole, useSystem } from './support/system.js';

const terminalEntries = (order: { history: { status: string }[] }) => order.history.filter((entry) => entry.status !== 'PENDING');

async function persistedOrders(admin: Api, count: number, status = 'PENDING') {
  return eventually(async () => {
    const page = await admin.get(`/api/admin/orders?status=${status}&limit=100`);
    return page.body.total === count ? page.body.items : undefined;
  }, `${count} ${status} orders in Postgres`);
}

describe('expiry and cancellation release stock exactly once', () => {
  // A long TTL: these tests expire orders by sweeping "in the future", never by waiting.
  const sut = useSystem({ api: true, worker: true }, { EXPIRY_SWEEP_INTERVAL_MS: '3600000' });

  it('cancels a pending order, gives its units back once, and refuses a second cancel', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 4 }], 'to-cancel');
    expect(placed.status).toBe(202);

    const cancelled = await buyer!.post(`/api/orders/${placed.body.id}/cancel`, { reason: 'changed my mind' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect(cancelled.body.history.map((entry: { status: string }) => entry.status)).toEqual(['PENDING', 'CANCELLED']);
    expect(cancelled.body.history[1].reason).toBe('changed my mind');

    const again = await buyer!.post(`/api/orders/${placed.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('INVALID_STATE');
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 10, reserved: 0, gateAvailable: 10, drift: 0 });
  });

  it('takes a blank reason as none, as an empty form box sends it', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'blank-reason');
    const cancelled = await buyer!.post(`/api/orders/${placed.body.id}/cancel`, { reason: '  ' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.history[1]).toMatchObject({ status: 'CANCELLED', reason: 'cancelled by the customer' });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ reserved: 0, gateAvailable: 5, drift: 0 });
  });

  it('refuses 409, not 404, a cancel whose order was stored and ended between its look-up in Postgres and in Redis', async () => {
    const { ordersRepository } = sut.system.container;
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'raced-cancel');
    expect((await buyer!.post(`/api/orders/${placed.body.id}/cancel`)).status).toBe(200);

    // The second cancel's look-up in Postgres comes just before the order was stored, and its
    // look-up in Redis just after the first cancel ended its reservation.
    const findState = ordersRepository.findState.bind(ordersRepository);
    let missed = false;
    const spy = vi.spyOn(ordersRepository, 'findState').mockImplementation(async (orderId, executor) => {
      if (orderId !== placed.body.id || missed) return findState(orderId, executor);
      missed = true;
      return undefined;
    });
    onTestFinished(() => spy.mockRestore());
    const again = await buyer!.post(`/api/orders/${placed.body.id}/cancel`);
    expect(missed).toBe(true);
    expect({ status: again.status, code: again.body.error?.code }).toEqual({ status: 409, code: 'INVALID_STATE' });
  });

  it('expires pending orders past their expiry and gives their units back once, however often it sweeps', async () => {
    const sku = await createProduct(sut.admin, { onHand: 20 });
    const buyers = await guests(sut.system.url!, 5);
    await Promise.all(buyers.map((buyer, i) => buyer.order([{ sku, quantity: 2 }], `expire-${i}`)));
    await persistedOrders(sut.admin, 5);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ reserved: 10, gateAvailable: 10 });

    const later = Date.now() + 3_600_000;
    const reports = await Promise.all([sut.system.container.sweeper.sweep(later), sut.system.container.sweeper.sweep(later)]);
    expect(reports.reduce((sum, report) => sum + report.expired, 0)).toBe(5);
    await sut.system.container.sweeper.sweep(later);

    const expired = await persistedOrders(sut.admin, 5, 'EXPIRED');
    for (const order of expired) expect(terminalEntries(order)).toEqual([expect.objectContaining({ status: 'EXPIRED' })]);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 20, reserved: 0, gateAvailable: 20, drift: 0 });
  });

  it('leaves an order PENDING, its units held, when a payment extended its hold after the sweeper listed it', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'extended-while-swept');
    const orderId = placed.body.id as string;
    await eventually(async () => (await container.ordersRepository.findState(orderId)) ?? undefined, 'the order in Postgres');

    const later = Date.now() + 3_600_000;
    const list = container.ordersRepository.expiredPending.bind(container.ordersRepository);
    const listing = vi.spyOn(container.ordersRepository, 'expiredPending').mockImplementation(async (now, limit) => {
      const due = await list(now, limit);
      // A payment start commits between the listing and the expiry's lock: its hold moves later,
      // as PaymentsRepository.start moves it.
      await sql`UPDATE orders SET expires_at = ${new Date(later + 600_000)} WHERE id = ${orderId}`.execute(container.db);
      return due;
    });
    onTestFinished(() => listing.mockRestore());
    await container.sweeper.sweep(later);

    expect(listing.mock.results[0]?.type === 'return' && (await listing.mock.results[0].value)).toContain(orderId);
    expect((await container.ordersRepository.findState(orderId))?.status).toBe('PENDING');
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ reserved: 1, gateAvailable: 4, drift: 0 });
  });

  it('releases once when cancels and sweeps race for the same orders', async () => {
    const sku = await createProduct(sut.admin, { onHand: 100 });
    const buyers = await guests(sut.system.url!, 40);
    const placed = await Promise.all(buyers.map((buyer, i) => buyer.order([{ sku, quantity: 1 }], `race-${i}`)));
    expect(placed.every((answer) => answer.status === 202)).toBe(true);

    const later = Date.now() + 3_600_000;
    const results = await Promise.allSettled([
      ...placed.map((answer, i) => buyers[i]!.post(`/api/orders/${answer.body.id}/cancel`)),
      sut.system.container.sweeper.sweep(later),
      sut.system.container.sweeper.sweep(later),
    ]);
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    const cancelAnswers = results.slice(0, 40).map((result) => (result as PromiseFulfilledResult<{ status: number }>).value.status);
    expect(cancelAnswers.every((status) => status === 200 || status === 409)).toBe(true);

    const finals = await Promise.all(placed.map((answer, i) => buyers[i]!.get(`/api/orders/${answer.body.id}`)));
    for (const final of finals) {
      expect(['CANCELLED', 'EXPIRED']).toContain(final.body.status);
      expect(terminalEntries(final.body)).toHaveLength(1);
    }
    const cancelledCount = finals.filter((final) => final.body.status === 'CANCELLED').length;
    expect(cancelAnswers.filter((status) => status === 200)).toHaveLength(cancelledCount);
    // Every order was ended once, by a cancel or by one of the two sweeps.
    const sweeps = results.slice(40).map((result) => (result as PromiseFulfilledResult<{ expired: number }>).value.expired);
    expect(cancelledCount + sweeps[0]! + sweeps[1]!).toBe(40);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 100, reserved: 0, gateAvailable: 100, drift: 0 });
  });
});

describe('expiry with two worker processes', () => {
  const overrides = { RESERVATION_TTL_SECONDS: '3', EXPIRY_SWEEP_INTERVAL_MS: '200' };
  const sut = useSystem({ api: true, worker: false }, overrides);
  let workers: ChildRole[];

  beforeAll(async () => {
    workers = await Promise.all([spawnRole(sut.stores, 'worker', overrides), spawnRole(sut.stores, 'worker', overrides)]);
  });

  afterAll(async () => {
    await Promise.all((workers ?? []).map((worker) => worker.kill()));
  });

  it('expires or cancels every order exactly once and returns every unit', async () => {
    const sku = await createProduct(sut.admin, { onHand: 60 });
    const buyers = await guests(sut.system.url!, 30);
    const placed = await Promise.all(buyers.map((buyer, i) => buyer.order([{ sku, quantity: 2 }], `two-workers-${i}`)));
    expect(placed.every((answer) => answer.status === 202)).toBe(true);
    // Cancel a third while the workers are persisting and sweeping.
    await Promise.all(placed.slice(0, 10).map((answer, i) => buyers[i]!.post(`/api/orders/${answer.body.id}/cancel`)));

    const finals = await eventually(async () => {
      const answers = await Promise.all(placed.map((answer, i) => buyers[i]!.get(`/api/orders/${answer.body.id}`)));
      return answers.every((answer) => answer.body.status !== 'PENDING') ? answers : undefined;
    }, 'every order to leave PENDING');
    for (const final of finals.slice(0, 10)) expect(final.body.status).toBe('CANCELLED');
    for (const final of finals.slice(10)) expect(final.body.status).toBe('EXPIRED');
    for (const final of finals) expect(terminalEntries(final.body)).toHaveLength(1);

    const view = await eventually(async () => {
      const current = await inventoryOf(sut.admin, sku);
      return current.gateAvailable === 60 ? current : undefined;
    }, 'every unit back on the gate');
    expect(view).toMatchObject({ onHand: 60, reserved: 0, gateAvailable: 60, drift: 0 });
  });
});
