import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LineBeingPlaced } from '../src/modules/vendors/fulfilment.js';
import type { RunningVendor } from '../src/simulators/vendor-sim/vendor-simulator.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { Api, eventually, guests } from './support/http.js';
import { mailsTo } from './support/payments.js';
import { ADMIN, useSystem } from './support/system.js';
import { simulatedVendors, vendorServer } from './support/vendors.js';

/**
 * Fulfilment of CONFIRMED orders against simulated vendors over HTTP: local units first (taken when
 * the order was confirmed), then vendors by priority, refusals trying the next, and no line ever
 * ordered twice. Every confirmation queues its fulfilment (outbox → fulfil-order); some tests also
 * call it directly, as a retried job would.
 */
describe('fulfilment', () => {
  const sut = useSystem(
    { api: true, worker: true, pspSim: true, mailSink: true },
    { VENDOR_SYNC_INTERVAL_SECONDS: '3600', VENDOR_TIMEOUT_MS: '1000', VENDOR_BREAK_SECONDS: '2', EXPIRY_SWEEP_INTERVAL_MS: '3600000' },
  );

  async function vendors(seeds: Record<string, number>[]): Promise<{ id: string; sim: RunningVendor; switches: Api }[]> {
    const added = await simulatedVendors(sut.system.container, 'f', seeds);
    return added.map(({ row, sim }) => ({ id: row.id, sim, switches: Api.unchecked(sim.url) }));
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

  /**
   * An order placed by a new guest with an address and paid on the payment simulator's checkout
   * page, whose signed webhook confirms it; returns once the webhook has.
   */
  async function paidOrder(items: { sku: string; quantity: number }[]): Promise<{ id: string; buyer: Api; email: string; paymentId: string }> {
    const [buyer] = await guests(sut.system.url!, 1);
    const email = `buyer-${randomBytes(4).toString('hex')}@example.test`;
    const placed = await buyer!.order(items, `paid-${randomBytes(4).toString('hex')}`, { customerEmail: email });
    expect(placed.status).toBe(202);
    const payment = await buyer!.post(`/api/orders/${placed.body.id}/payment`);
    expect(payment.status).toBe(201);
    const paid = await fetch(`${payment.body.checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    await eventually(async () => ((await buyer!.get(`/api/orders/${placed.body.id}`)).body.status !== 'PENDING' ? true : undefined), 'the webhook');
    return { id: placed.body.id, buyer: buyer!, email, paymentId: payment.body.paymentId };
  }

  const db = () => sut.system.container.db;
  const paymentOf = (orderId: string) =>
    db()
      .selectFrom('payments')
      .select(['providerPaymentId', 'status', 'refundStatus', 'amountCents'])
      .where('orderId', '=', orderId)
      .executeTakeFirst();
  const refundEvents = (orderId: string) =>
    db().selectFrom('outbox').select('payload').where('orderId', '=', orderId).where('eventType', '=', 'payment.refund-due').execute();
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
  const reaches = (order: { id: string; buyer: Api }, status: string) =>
    eventually(async () => {
      const current = await statusOf(order);
      return current.status === status ? current : undefined;
    }, `order ${order.id} to be ${status}`);

  it('takes an order paid through the payment webhook on to FULFILLED by itself, its vendor lines placed', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    const [a, b] = await vendors([{ [sku]: 5 }, { [sku]: 5 }]);
    const order = await paidOrder([{ sku, quantity: 3 }]);

    const fulfilled = await reaches(order, 'FULFILLED');
    expect(fulfilled.history.map((entry: { status: string; actor: string }) => [entry.status, entry.actor])).toEqual([
      ['PENDING', 'customer'],
      ['CONFIRMED', 'payment'],
      ['FULFILLED', 'system'],
    ]);
    expect(await split(order.id)).toEqual([{ sku, localQuantity: 1, vendorQuantity: 2, status: 'placed' }]);
    expect(await vendorOrders(order.id)).toEqual([{ sku, vendorId: a!.id, vendorOrderId: expect.any(String), quantity: 2 }]);
    expect([stockAt(a!, sku), stockAt(b!, sku)]).toEqual([3, 5]);
    expect(await paymentOf(order.id)).toMatchObject({ status: 'succeeded', refundStatus: null });
    await mailsTo(sut.admin, order.email, /^Payment confirmed: invoice for order/);
  });

  it('fails a paid order no vendor can fill: its payment is due a refund, and the buyer and the admins are mailed', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1, title: 'Rare teapot' });
    const [a, b] = await vendors([{ [sku]: 3 }, { [sku]: 3 }]);
    // Both vendors sold out elsewhere since they were synced.
    for (const vendor of [a!, b!]) await vendor.switches.post('/simulate/stock', { items: [{ sku, available: 0 }] });
    const order = await paidOrder([{ sku, quantity: 3 }]);

    const failed = await reaches(order, 'FAILED');
    expect(failed.history.at(-1)).toMatchObject({ status: 'FAILED', actor: 'system', reason: expect.stringContaining(sku) });
    expect(await split(order.id)).toEqual([{ sku, localQuantity: 1, vendorQuantity: 2, status: 'failed' }]);
    expect(await vendorOrders(order.id)).toEqual([]);
    const payment = await paymentOf(order.id);
    expect(payment).toMatchObject({ status: 'succeeded', refundStatus: 'due', providerPaymentId: order.paymentId });
    expect((await refundEvents(order.id)).map((event) => event.payload)).toEqual([
      { paymentId: order.paymentId, amountCents: payment!.amountCents, currency: 'EUR', orderStatus: 'FAILED', cause: 'fulfilment-failed' },
    ]);

    const [toBuyer] = await mailsTo(sut.admin, order.email, new RegExp(`^Order ${order.id} could not be fulfilled$`));
    expect(toBuyer!.text).toContain('We have recorded a refund of €30.00');
    expect(toBuyer!.text).toContain('Rare teapot');
    const [toAdmins] = await mailsTo(sut.admin, ADMIN.email, new RegExp(`^Fulfilment failed: order ${order.id}$`));
    expect(toAdmins!.text).toContain(`Refund: €30.00 due on payment ${order.paymentId}`);
    expect(toAdmins!.text).toContain('No line of it was ordered from a vendor.');
    // The refund is told in the order-failed mail, not in a second one: give a second one every chance to show.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const toBuyerSubjects = (await mailsTo(sut.admin, order.email, /./, 3)).map((mail) => mail.subject.replace(order.id, '<id>')).sort();
    expect(toBuyerSubjects).toEqual(['Order <id> could not be fulfilled', 'Order <id> received', 'Payment confirmed: invoice for order <id>']);
  });

  it('takes local units first and orders the rest from the first vendor by priority, through the fulfil-order job', async () => {
    const sku = await createProduct(sut.admin, { onHand: 2 });
    const [a, b] = await vendors([{ [sku]: 5 }, { [sku]: 5 }]);
    const order = await confirmedOrder([{ sku, quantity: 4 }]);
    // The order's own fulfil-order job may already have placed the vendor units.
    expect(await split(order.id)).toEqual([{ sku, localQuantity: 2, vendorQuantity: 2, status: expect.stringMatching(/^(pending|placed)$/) }]);
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
    await reaches(order, 'FULFILLED');
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

  it('orders a line from several vendors when none holds it all, as available counted them together', async () => {
    const sku = await createProduct(sut.admin, { onHand: 0 });
    const [a, b] = await vendors([{ [sku]: 1 }, { [sku]: 2 }]);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 3, available: 3 });
    const order = await confirmedOrder([{ sku, quantity: 3 }]);
    await reaches(order, 'FULFILLED');
    const placed = await vendorOrders(order.id);
    expect(placed.map((line) => [line.vendorId, line.quantity]).sort()).toEqual(
      [
        [a!.id, 1],
        [b!.id, 2],
      ].sort(),
    );
    expect([stockAt(a!, sku), stockAt(b!, sku)]).toEqual([0, 0]);
    expect(await split(order.id)).toEqual([{ sku, localQuantity: 0, vendorQuantity: 3, status: 'placed' }]);
    // The vendors' next counts show the parts they took: counted once, nothing moves.
    for (const vendor of [a!, b!]) await sut.system.container.vendorSync.sync((await sut.system.container.vendorsRepository.find(vendor.id))!);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 0, sold: 3, drift: 0 });
  });

  it('fails an order the shop confirmed without a payment: no refund is recorded, the admins are told to settle it by hand', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1 });
    const [a, b] = await vendors([{ [sku]: 3 }, { [sku]: 3 }]);
    for (const vendor of [a!, b!]) await vendor.switches.post('/simulate/stock', { items: [{ sku, available: 0 }] });
    const order = await confirmedOrder([{ sku, quantity: 3 }]);
    expect(await sut.system.container.fulfilment.fulfil(order.id)).toEqual({ outcome: 'failed', unfillable: [sku] });

    const failed = await statusOf(order);
    expect(failed.status).toBe('FAILED');
    expect(failed.history.at(-1)).toMatchObject({ status: 'FAILED', reason: expect.stringContaining(sku) });
    expect(await split(order.id)).toEqual([{ sku, localQuantity: 1, vendorQuantity: 2, status: 'failed' }]);
    // The worker's own fulfil-order job for the confirmation may be asking a vendor right now: its
    // intent, recorded before it asks, goes with the refusal. None may stay.
    await eventually(async () => ((await vendorOrders(order.id)).length === 0 ? true : undefined), 'no vendor order left for the order');
    expect(await paymentOf(order.id)).toBeUndefined();
    expect(await refundEvents(order.id)).toEqual([]);
    const [toAdmins] = await mailsTo(sut.admin, ADMIN.email, new RegExp(`^Fulfilment failed: order ${order.id}$`));
    expect(toAdmins!.text).toContain('Refund: none recorded: no payment through the provider');
    // A retried job changes nothing more.
    expect(await sut.system.container.fulfilment.fulfil(order.id)).toEqual({ outcome: 'failed', unfillable: [sku] });

    for (const vendor of [a!, b!]) await sut.system.container.vendorSync.sync((await sut.system.container.vendorsRepository.find(vendor.id))!);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 0, vendorOnHand: 0, reserved: 0, gateAvailable: 0, drift: 0 });
  });

  it('asks a vendor whose circuit opened again once its break is over, though no sync of it has probed it', async () => {
    const sku = await createProduct(sut.admin, { onHand: 0 });
    const [a] = await vendors([{ [sku]: 5 }]);
    await a!.switches.post('/simulate/outage', { seconds: 600 });
    const vendorRow = (await sut.system.container.vendorsRepository.find(a!.id))!;
    await eventually(async () => {
      const report = await sut.system.container.vendorSync.sync(vendorRow);
      return report.outcome === 'failed' && report.circuit === 'open' ? true : undefined;
    }, 'the breaker to open');
    await a!.switches.post('/simulate/reset');

    // The vendor answers again and its break (2 s) ends: the next fulfilment attempt is its probe.
    // Before, fulfilment skipped a vendor whose breaker had not been called since it opened, so
    // only a sync of it could half-open it: with syncs an hour apart, every retry found the line
    // unreachable until the job became a dead letter.
    const order = await confirmedOrder([{ sku, quantity: 2 }]);
    await eventually(
      async () => {
        await sut.system.container.fulfilment.fulfil(order.id).catch(() => undefined);
        return (await statusOf(order)).status === 'FULFILLED' ? true : undefined;
      },
      'a fulfilment attempt after the break to place the line',
      20_000,
    );
    expect(await vendorOrders(order.id)).toEqual([{ sku, vendorId: a!.id, vendorOrderId: expect.any(String), quantity: 2 }]);
    expect(stockAt(a!, sku)).toBe(3);
  });

  it('asks the same vendor again when a retried job finds a line it was placing, so no vendor order is placed twice', async () => {
    const sku = await createProduct(sut.admin, { onHand: 0 });
    const [a, b] = await vendors([{ [sku]: 5 }, { [sku]: 5 }]);
    // The vendor answers too late: whether it took the line is unknown, and the attempt fails with
    // the line recorded as being placed there. The order's own fulfil job, started by the
    // confirmation, meets the same fate; when it asks first, this run stops without asking.
    await a!.switches.post('/simulate/latency', { ms: 1_500 });
    const order = await confirmedOrder([{ sku, quantity: 2 }]);
    await expect(sut.system.container.fulfilment.fulfil(order.id)).rejects.toThrow(/no answer within|being placed by another run/);
    // A run that stopped because the job held the line's lease may stop before the job has recorded
    // its intent: wait for the intent, whichever run recorded it.
    const intents = await eventually(async () => {
      const rows = await vendorOrders(order.id);
      return rows.length > 0 ? rows : undefined;
    }, 'the intent to ask vendor a');
    expect(intents).toEqual([{ sku, vendorId: a!.id, vendorOrderId: null, quantity: 2 }]);

    await a!.switches.post('/simulate/reset');
    // This retry and the order's own fulfil-order job (retrying with backoff) race: either may place it.
    await eventually(async () => {
      await sut.system.container.fulfilment.fulfil(order.id).catch(() => undefined);
      return (await statusOf(order)).status === 'FULFILLED' ? true : undefined;
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

describe('fulfilment runs of one order at once', () => {
  // A long vendor timeout: the vendor below holds a request for as long as the test needs.
  const sut = useSystem(
    { api: true, worker: true, mailSink: true },
    { VENDOR_SYNC_INTERVAL_SECONDS: '3600', VENDOR_TIMEOUT_MS: '30000', EXPIRY_SWEEP_INTERVAL_MS: '3600000' },
  );

  it('lets one run at a time ask a vendor for a line: another run of the order (a stalled job taken over) stops without asking', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 0 });
    // A vendor with 5 units that holds every order request until the test answers it.
    const held: { line: { lineId: string; sku: string; quantity: number }; answer: (status: number, body: unknown) => void }[] = [];
    const vendor = await vendorServer(
      container,
      'holding',
      (request, response) => {
        const reply = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (request.method === 'GET') return reply(200, { asOf: new Date().toISOString(), items: [{ sku, available: 5 }] });
        let body = '';
        request.on('data', (chunk) => {
          body += chunk;
        });
        request.on('end', () => held.push({ line: JSON.parse(body), answer: reply }));
      },
      10,
    );
    await container.vendorSync.sync(vendor);

    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 2 }], 'one-line-two-runs');
    expect(placed.status).toBe(202);
    expect((await sut.admin.patch(`/api/admin/orders/${placed.body.id}`, { status: 'CONFIRMED' })).status).toBe(200);
    // The order's own fulfil job asks the vendor, which holds the request.
    await eventually(async () => (held.length === 1 ? true : undefined), 'the fulfil job to ask the vendor');

    // Another run of the same order meanwhile finds the line's intent, and must not ask again: had
    // the vendor refused the first and taken the second, the line would be placed twice.
    await expect(container.fulfilment.fulfil(placed.body.id)).rejects.toThrow(LineBeingPlaced);
    expect(held.length).toBe(1);

    held[0]!.answer(201, { vendorOrderId: 'V-1', ...held[0]!.line });
    await eventually(
      async () => ((await buyer!.get(`/api/orders/${placed.body.id}`)).body.status === 'FULFILLED' ? true : undefined),
      'the order to be fulfilled',
    );
    const recorded = await container.db
      .selectFrom('vendorOrders')
      .select(['vendorId', 'vendorOrderId'])
      .where('orderId', '=', placed.body.id)
      .execute();
    expect(recorded).toEqual([{ vendorId: vendor.id, vendorOrderId: 'V-1' }]);
    expect(held).toHaveLength(1);
  });
});

describe('fulfilment stopped part-way', () => {
  // No worker: the test runs each fulfilment itself, to its end. A long vendor timeout: the vendor
  // below holds a request for as long as the test needs.
  const sut = useSystem(
    { api: true, worker: false },
    { VENDOR_SYNC_INTERVAL_SECONDS: '3600', VENDOR_TIMEOUT_MS: '30000', EXPIRY_SWEEP_INTERVAL_MS: '3600000' },
  );
  type HeldLine = { line: { lineId: string; sku: string; quantity: number }; answer: (status: number, body: unknown) => void };

  /** Two vendor-only products (A before B in SKU order), a vendor holding 5 of each whose order requests `onOrder` gets, and a confirmed order of one of each. */
  async function confirmedVendorOrder(onOrder: (held: HeldLine) => void) {
    const { container } = sut.system;
    const tag = `STOP-${randomBytes(3).toString('hex').toUpperCase()}`;
    const [a, b] = [await createProduct(sut.admin, { sku: `${tag}-A`, onHand: 0 }), await createProduct(sut.admin, { sku: `${tag}-B`, onHand: 0 })];
    const vendor = await vendorServer(container, 'stopping', (request, response) => {
      const reply = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (request.method === 'GET') return reply(200, { asOf: new Date().toISOString(), items: [a, b].map((sku) => ({ sku, available: 5 })) });
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => onOrder({ line: JSON.parse(body), answer: reply }));
    });
    await container.vendorSync.sync(vendor);
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order(
      [
        { sku: a, quantity: 1 },
        { sku: b, quantity: 1 },
      ],
      `stopped-${tag}`,
    );
    expect(placed.status).toBe(202);
    expect((await sut.admin.patch(`/api/admin/orders/${placed.body.id}`, { status: 'CONFIRMED' })).status).toBe(200);
    const state = async () => ({
      lines: await container.db
        .selectFrom('fulfilmentLines')
        .select(['sku', 'status'])
        .where('orderId', '=', placed.body.id)
        .orderBy('sku')
        .execute(),
      vendorOrders: await container.db.selectFrom('vendorOrders').select(['sku', 'vendorOrderId']).where('orderId', '=', placed.body.id).execute(),
    });
    return { orderId: placed.body.id as string, a, b, state };
  }

  it('orders no further line once an admin fails the order, and keeps the lines as the admin settled them', async () => {
    const held: HeldLine[] = [];
    const { orderId, a, b, state } = await confirmedVendorOrder((line) => held.push(line));
    const run = sut.system.container.fulfilment.fulfil(orderId);
    await eventually(async () => (held.length === 1 ? true : undefined), 'the first line asked of the vendor');
    expect(held[0]!.line.sku).toBe(a);

    expect((await sut.admin.patch(`/api/admin/orders/${orderId}`, { status: 'FAILED' })).status).toBe(200);
    held[0]!.answer(201, { vendorOrderId: 'V-A', ...held[0]!.line });
    expect(await run).toEqual({ outcome: 'skipped', status: 'FAILED' });
    expect(held).toHaveLength(1);
    // The call already out was placed, and is recorded; the lines stay as the admin's failure left them.
    expect(await state()).toEqual({
      lines: [
        { sku: a, status: 'failed' },
        { sku: b, status: 'failed' },
      ],
      vendorOrders: [{ sku: a, vendorOrderId: 'V-A' }],
    });
  });

  it('orders no line after one that no vendor can fill, and settles the others with the failed order', async () => {
    const asked: string[] = [];
    const { orderId, a, b, state } = await confirmedVendorOrder(({ line, answer }) => {
      asked.push(line.sku);
      if (line.sku === a) return answer(409, { error: { code: 'INSUFFICIENT_STOCK', message: 'none left', details: { available: 0 } } });
      answer(201, { vendorOrderId: `V-${line.sku}`, ...line });
    });
    expect(await sut.system.container.fulfilment.fulfil(orderId)).toEqual({ outcome: 'failed', unfillable: [a] });
    expect(asked).toEqual([a]);
    expect((await sut.admin.get(`/api/orders/${orderId}`)).body.status).toBe('FAILED');
    expect(await state()).toEqual({
      lines: [
        { sku: a, status: 'failed' },
        { sku: b, status: 'failed' },
      ],
      vendorOrders: [],
    });
  });
});
