import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../src/lib/logger.js';
import { type RunningVendor, startVendorSimulator } from '../src/simulators/vendor-sim/vendor-simulator.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { Api, eventually, guests } from './support/http.js';
import { useSystem } from './support/system.js';

/**
 * Fulfilment of CONFIRMED orders against simulated vendors over HTTP: local units first (taken when
 * the order was confirmed), then vendors by priority, refusals trying the next, and no line ever
 * ordered twice.
 */
describe('fulfilment', () => {
  const sut = useSystem({ api: true, worker: true }, { VENDOR_SYNC_INTERVAL_SECONDS: '3600', VENDOR_TIMEOUT_MS: '1000' });

  async function vendors(seeds: Record<string, number>[]): Promise<{ id: string; sim: RunningVendor; switches: Api }[]> {
    const suffix = randomBytes(3).toString('hex');
    const simulator = await startVendorSimulator({
      vendors: seeds.map((seed, i) => ({ name: `f${i}-${suffix}`, port: 0, seed })),
      logger: createLogger('silent'),
    });
    onTestFinished(() => simulator.close());
    const added = [];
    for (const [i, sim] of simulator.vendors.entries()) {
      const row = await sut.system.container.vendorsRepository.insert({ name: sim.name, baseUrl: sim.url, priority: (i + 1) * 10 });
      // Fulfilment asks every enabled vendor: one whose simulator has stopped must not stay among them.
      onTestFinished(() => sut.system.container.vendorsRepository.update(row!.id, { enabled: false }).then(() => undefined));
      await sut.system.container.vendorSync.sync(row!);
      added.push({ id: row!.id, sim, switches: Api.unchecked(sim.url) });
    }
    return added;
  }

  /** An order placed by a new guest and confirmed by the admin; its units are sold, split local first. */
  async function confirmedOrder(items: { sku: string; quantity: number }[]): Promise<{ id: string; buyer: Api; totalCents: number }> {
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order(items, `order-${randomBytes(4).toString('hex')}`);
    expect(placed.status).toBe(202);
    const confirmed = await sut.admin.patch(`/api/admin/orders/${placed.body.id}`, { status: 'CONFIRMED' });
    expect(confirmed.status).toBe(200);
    return { id: placed.body.id, buyer: buyer!, totalCents: placed.body.totalCents };
  }

  const db = () => sut.system.container.db;
  const split = (orderId: string) =>
    db()
      .selectFrom('fulfilmentLines')
      .select(['sku', 'localQuantity', 'vendorQuantity', 'status'])
      .where('orderId', '=', orderId)
      .orderBy('sku')
      .execute();
  const vendorOrders = (orderId: string) =>
    db().selectFrom('vendorOrders').select(['sku', 'vendorId', 'vendorOrderId', 'quantity']).where('orderId', '=', orderId).orderBy('sku').execute();
  const stockAt = (vendor: { sim: RunningVendor }, sku: string) => vendor.sim.simulation.items().find((item) => item.sku === sku)?.available;
  const statusOf = async (order: { id: string; buyer: Api }) => (await order.buyer.get(`/api/orders/${order.id}`)).body;

  it('takes local units first and orders the rest from the first vendor by priority, through the fulfil-order job', async () => {
    const sku = await createProduct(sut.admin, { onHand: 2 });
    const [a, b] = await vendors([{ [sku]: 5 }, { [sku]: 5 }]);
    const order = await confirmedOrder([{ sku, quantity: 4 }]);
    expect(await split(order.id)).toEqual([{ sku, localQuantity: 2, vendorQuantity: 2, status: 'pending' }]);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 0, vendorOnHand: 8, reserved: 0, sold: 4, gateAvailable: 8, drift: 0 });

    await sut.system.container.queues.add('fulfil-order', { orderId: order.id }, { jobId: order.id });
    await eventually(async () => ((await statusOf(order)).status === 'FULFILLED' ? true : undefined), 'the fulfil-order job');
    expect(await split(order.id)).toEqual([{ sku, localQuantity: 2, vendorQuantity: 2, status: 'placed' }]);
    expect(await vendorOrders(order.id)).toEqual([{ sku, vendorId: a!.id, vendorOrderId: expect.any(String), quantity: 2 }]);
    expect([stockAt(a!, sku), stockAt(b!, sku)]).toEqual([3, 5]);

    // The vendor's count now shows the order it took: the next sync counts it once, and moves nothing.
    const report = await sut.system.container.vendorSync.sync((await sut.system.container.vendorsRepository.find(a!.id))!);
    expect(report.outcome === 'ok' && report.moves).toEqual([{ sku, moved: 0, deferred: 0 }]);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 8, gateAvailable: 8, drift: 0 });
  });

  it('tries the next vendor when one refuses a line mid-way', async () => {
    const [first, second] = [await createProduct(sut.admin, { onHand: 0 }), await createProduct(sut.admin, { onHand: 0 })];
    const [a, b] = await vendors([
      { [first]: 5, [second]: 5 },
      { [first]: 5, [second]: 5 },
    ]);
    // The first vendor sold the second SKU elsewhere since it was synced.
    await a!.switches.post('/simulate/stock', { items: [{ sku: second, available: 1 }] });
    const order = await confirmedOrder([
      { sku: first, quantity: 2 },
      { sku: second, quantity: 3 },
    ]);
    expect(await sut.system.container.fulfilment.fulfil(order.id)).toEqual({ outcome: 'fulfilled' });
    const placed = await vendorOrders(order.id);
    expect(placed.map((line) => [line.sku, line.vendorId, line.quantity]).sort()).toEqual(
      [
        [first, a!.id, 2],
        [second, b!.id, 3],
      ].sort(),
    );
    expect([stockAt(a!, first), stockAt(a!, second), stockAt(b!, first), stockAt(b!, second)]).toEqual([3, 1, 5, 2]);
    expect((await statusOf(order)).status).toBe('FULFILLED');
  });

  it('fails an order no vendor can fill, records its refund, and stops counting what the vendors no longer have', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    const [a, b] = await vendors([{ [sku]: 3 }, { [sku]: 3 }]);
    for (const vendor of [a!, b!]) await vendor.switches.post('/simulate/stock', { items: [{ sku, available: 0 }] });
    const order = await confirmedOrder([{ sku, quantity: 3 }]);
    expect(await sut.system.container.fulfilment.fulfil(order.id)).toEqual({ outcome: 'failed', unfillable: [sku] });

    const failed = await statusOf(order);
    expect(failed.status).toBe('FAILED');
    expect(failed.history.at(-1)).toMatchObject({ status: 'FAILED', reason: expect.stringContaining(sku) });
    expect(await split(order.id)).toEqual([{ sku, localQuantity: 1, vendorQuantity: 2, status: 'failed' }]);
    expect(await vendorOrders(order.id)).toEqual([]);
    expect(await sut.system.container.fulfilmentRepository.refund(order.id)).toMatchObject({
      amountCents: order.totalCents,
      currency: 'EUR',
      status: 'due',
      reason: expect.stringContaining(sku),
    });
    // A retried job changes nothing more.
    expect(await sut.system.container.fulfilment.fulfil(order.id)).toEqual({ outcome: 'failed', unfillable: [sku] });

    for (const vendor of [a!, b!]) await sut.system.container.vendorSync.sync((await sut.system.container.vendorsRepository.find(vendor.id))!);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 0, vendorOnHand: 0, reserved: 0, gateAvailable: 0, drift: 0 });
  });

  it('asks the same vendor again when a retried job finds a line it was placing, so no vendor order is placed twice', async () => {
    const sku = await createProduct(sut.admin, { onHand: 0 });
    const [a, b] = await vendors([{ [sku]: 5 }, { [sku]: 5 }]);
    const order = await confirmedOrder([{ sku, quantity: 2 }]);

    // The vendor answers too late: whether it took the line is unknown, and the attempt fails with
    // the line recorded as being placed there.
    await a!.switches.post('/simulate/latency', { ms: 1_500 });
    await expect(sut.system.container.fulfilment.fulfil(order.id)).rejects.toThrow(/no answer within/);
    expect(await vendorOrders(order.id)).toEqual([{ sku, vendorId: a!.id, vendorOrderId: null, quantity: 2 }]);

    await a!.switches.post('/simulate/reset');
    await eventually(async () => {
      const retried = await sut.system.container.fulfilment.fulfil(order.id).catch(() => undefined);
      return retried?.outcome === 'fulfilled' ? true : undefined;
    }, 'the retry to go through once the vendor answers in time and its circuit lets calls through');
    const [line] = await vendorOrders(order.id);
    expect(line).toMatchObject({ vendorId: a!.id, quantity: 2 });
    expect([stockAt(a!, sku), stockAt(b!, sku)]).toEqual([3, 5]);
    // The vendor knows the line as the one order it recorded.
    const replay = await a!.switches.post('/orders', { lineId: `${order.id}:${sku}`, sku, quantity: 2 });
    expect(replay).toMatchObject({ status: 200, body: { vendorOrderId: line!.vendorOrderId } });
    expect((await statusOf(order)).status).toBe('FULFILLED');
  });
});
