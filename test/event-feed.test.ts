import { randomBytes } from 'node:crypto';
import type { Message } from 'amqplib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct } from './support/fixtures.js';
import { type Api, eventually, guests } from './support/http.js';
import { BrokerRelay, bodyOf, FeedQueues, uniqueAmqpPrefix } from './support/rabbitmq.js';
import { useSystem } from './support/system.js';
import { simulatedVendor } from './support/vendors.js';

/**
 * The RabbitMQ feed as a worker runs it with AMQP_URL set: real order and stock events from the
 * outbox, through a relay in front of the real broker that a test can cut (RabbitMQ unreachable),
 * on exchange and queue names of this file's own, deleted afterwards.
 */
describe('the event feed, wired to the outbox', () => {
  const relay = new BrokerRelay();
  const prefix = uniqueAmqpPrefix();
  const sut = useSystem({ api: true, worker: true }, async () => {
    await relay.start();
    return { AMQP_URL: relay.url, AMQP_PREFIX: prefix, VENDOR_SYNC_INTERVAL_SECONDS: '3600', EXPIRY_SWEEP_INTERVAL_MS: '3600000' };
  });
  let queues: FeedQueues;
  /** Every message read so far: a test reads what it waits for, and no message is read twice. */
  const orderMessages: Message[] = [];
  const stockMessages: Message[] = [];

  beforeAll(async () => {
    queues = await FeedQueues.open(prefix);
  });

  afterAll(async () => {
    // The feed can no longer reach the broker, so it cannot declare the names again once they are deleted.
    await relay.stop();
    await queues?.close();
  });

  /** The types of the order messages about each order, in the order they arrived, once all `expected` have. */
  async function orderEventsOf(expected: Record<string, string[]>): Promise<Record<string, string[]>> {
    return eventually(async () => {
      orderMessages.push(...(await queues.drain(queues.topology.orderQueue)));
      const seen = Object.fromEntries(
        Object.keys(expected).map((orderId) => [orderId, orderMessages.map(bodyOf).filter((body) => body.subject === orderId)]),
      );
      const complete = Object.entries(expected).every(([orderId, types]) => seen[orderId]!.length >= types.length);
      return complete ? Object.fromEntries(Object.entries(seen).map(([orderId, bodies]) => [orderId, bodies.map((body) => body.type)])) : undefined;
    }, 'the order events on order_queue');
  }

  async function placeOrder(buyer: Api, sku: string): Promise<string> {
    const placed = await buyer.order([{ sku, quantity: 1 }], `feed-${randomBytes(4).toString('hex')}`);
    expect(placed.status).toBe(202);
    return placed.body.id;
  }

  const confirm = async (orderId: string) =>
    expect((await sut.admin.patch(`/api/admin/orders/${orderId}`, { status: 'CONFIRMED' })).status).toBe(200);

  const outboxOf = (orderId: string) =>
    sut.system.container.db
      .selectFrom('outbox')
      .select(['id', 'eventType', 'publishedAt', 'fedAt'])
      .where('orderId', '=', orderId)
      .orderBy('id')
      .execute();

  it("publishes each order's events from the outbox, in order per order id, once each", async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const buyers = await guests(sut.system.url!, 3);
    const [first, second, third] = await Promise.all(buyers.map((buyer) => placeOrder(buyer, sku)));
    await Promise.all([confirm(first!), confirm(second!)]);
    expect((await buyers[2]!.post(`/api/orders/${third}/cancel`, { reason: 'changed my mind' })).status).toBe(200);

    // Local stock only: each confirmed order is fulfilled at once by its fulfil-order job.
    const fulfilled = ['order.placed', 'order.confirmed', 'order.fulfilled'];
    const expected = { [first!]: fulfilled, [second!]: fulfilled, [third!]: ['order.placed', 'order.cancelled'] };
    expect(await orderEventsOf(expected)).toEqual(expected);

    const bodies = orderMessages.map(bodyOf).filter((body) => body.subject === first);
    expect(bodies.map((body) => body.id)).toEqual([...bodies.map((body) => body.id)].sort((a, b) => a - b));
    expect(bodies[1]).toMatchObject({ type: 'order.confirmed', payload: { from: 'PENDING', to: 'CONFIRMED', actor: 'admin' } });
    const confirmedMessage = orderMessages.find((message) => bodyOf(message).id === bodies[1]!.id)!;
    expect(confirmedMessage.fields.routingKey).toBe('order.confirmed');
    expect(confirmedMessage.properties).toMatchObject({ deliveryMode: 2, messageId: String(bodies[1]!.id), contentType: 'application/json' });
    // The SKU's availability went out as it moved, one event per SKU and transaction (creation,
    // placement batches, the confirmations, the cancel), never one per unit, ending where the ledger is.
    const stock = await eventually(async () => {
      stockMessages.push(...(await queues.drain(queues.topology.stockQueue)));
      const mine = stockMessages.map(bodyOf).filter((body) => body.subject === sku);
      return mine.at(-1)?.payload.available === 8 ? mine : undefined;
    }, 'the stock events of the orders');
    expect(stock[0]!.payload).toEqual({ sku, available: 10 });
    expect(stock.length).toBeGreaterThanOrEqual(3);
    expect(stock.length).toBeLessThanOrEqual(7);
    // Every event of these orders carries the feed's mark, apart from the relay's.
    for (const orderId of [first!, second!, third!]) {
      await eventually(async () => ((await outboxOf(orderId)).every((row) => row.fedAt !== null) ? true : undefined), 'the fed marks');
    }
  });

  it('keeps the events while RabbitMQ is unreachable, while everything else carries on, and publishes them once it is back', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10 });
    const [buyer] = await guests(sut.system.url!, 1);
    await relay.stop();

    const orderId = await placeOrder(buyer!, sku);
    await confirm(orderId);
    // Mail and fulfilment need no broker: the relay hands the events on and the order is fulfilled.
    await eventually(async () => ((await buyer!.get(`/api/orders/${orderId}`)).body.status === 'FULFILLED' ? true : undefined), 'fulfilment');
    const waiting = await eventually(async () => {
      const rows = await outboxOf(orderId);
      return rows.length === 3 && rows.every((row) => row.publishedAt !== null) ? rows : undefined;
    }, 'the relay to hand the events on');
    expect(waiting.map((row) => [row.eventType, row.fedAt])).toEqual([
      ['order.placed', null],
      ['order.status-changed', null],
      ['order.status-changed', null],
    ]);
    const metrics = await sut.admin.get('/metrics');
    expect(Number(/^flashcart_feed_backlog (\d+)$/m.exec(metrics.body)?.[1])).toBeGreaterThanOrEqual(3);

    // The relay's pruning keeps what the feed has not published, however old.
    const { db } = sut.system.container;
    const old = sql<Date>`now() - interval '8 days'`;
    const [unfed, fed] = await Promise.all(
      [null, old].map((fedAt) =>
        db
          .insertInto('outbox')
          .values({ orderId: null, eventType: 'job.dead-lettered', payload: '{}', createdAt: old, publishedAt: old, fedAt })
          .returning('id')
          .executeTakeFirstOrThrow(),
      ),
    );
    await sut.system.container.outboxRelay.relay();
    const left = await db.selectFrom('outbox').select('id').where('id', 'in', [unfed!.id, fed!.id]).execute();
    expect(left).toEqual([{ id: unfed!.id }]);

    await relay.start();
    const expected = { [orderId]: ['order.placed', 'order.confirmed', 'order.fulfilled'] };
    expect(await orderEventsOf(expected)).toEqual(expected);
    await eventually(async () => ((await outboxOf(orderId)).every((row) => row.fedAt !== null) ? true : undefined), 'the fed marks');
    // Give a second copy every chance to show: there is none.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    orderMessages.push(...(await queues.drain(queues.topology.orderQueue)));
    expect(orderMessages.map(bodyOf).filter((body) => body.subject === orderId)).toHaveLength(3);
  });

  it('publishes stock.changed to stock_sync_queue when a product is created, a vendor sync moves its stock, and an admin adjusts it', async () => {
    const sku = await createProduct(sut.admin, { onHand: 4 });
    await simulatedVendor(sut.system.container, 'feed', { [sku]: 6 });
    expect((await sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: 5, reason: 'delivery' })).status).toBe(200);

    const received = await eventually(async () => {
      stockMessages.push(...(await queues.drain(queues.topology.stockQueue)));
      const mine = stockMessages.filter((message) => bodyOf(message).subject === sku);
      return mine.length >= 3 ? mine : undefined;
    }, 'the stock events on stock_sync_queue');
    expect(received.map((message) => [message.fields.routingKey, bodyOf(message).payload])).toEqual([
      ['stock.changed', { sku, available: 4 }],
      ['stock.changed', { sku, available: 10 }],
      ['stock.changed', { sku, available: 15 }],
    ]);
  });
});

describe('without AMQP_URL', () => {
  const sut = useSystem({ api: true, worker: true }, { EXPIRY_SWEEP_INTERVAL_MS: '3600000' });

  it('runs no feed: nothing connects to a broker, events get no feed mark, and pruning does not wait for one', async () => {
    expect(sut.system.container.createFeedPublisher()).toBeUndefined();
    expect((await sut.admin.get('/metrics')).body).not.toContain('flashcart_feed_backlog');

    const { db, outboxRelay } = sut.system.container;
    const old = sql<Date>`now() - interval '8 days'`;
    const row = await db
      .insertInto('outbox')
      .values({ orderId: null, eventType: 'job.dead-lettered', payload: '{}', createdAt: old, publishedAt: old })
      .returning('id')
      .executeTakeFirstOrThrow();
    await outboxRelay.relay();
    expect(await db.selectFrom('outbox').select('id').where('id', '=', row.id).execute()).toEqual([]);
  });
});
