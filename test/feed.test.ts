import type { Channel, Message } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../src/db/database.js';
import { createLogger } from '../src/lib/logger.js';
import { type FeedEvent, FeedPublisher, type FeedSource } from '../src/modules/feed/feed-publisher.js';
import type { FeedTopology } from '../src/modules/feed/feed-topology.js';
import { eventually } from './support/http.js';
import { AMQP_URL, BrokerRelay, bodyOf, FeedQueues, uniqueAmqpPrefix } from './support/rabbitmq.js';
import { freePort } from './support/stores.js';
import { useSystem } from './support/system.js';

/** Events in memory, read as the outbox is: those not yet published, in id order. */
class ListSource implements FeedSource {
  readonly events: FeedEvent[] = [];
  readonly published = new Set<number>();

  add(type: string, subject: string, payload: unknown = {}): FeedEvent {
    const event = { id: this.events.length + 1, type, subject, payload, occurredAt: new Date() };
    this.events.push(event);
    return event;
  }

  async unpublished(_tx: Tx, limit: number): Promise<FeedEvent[]> {
    return this.events.filter((event) => !this.published.has(event.id)).slice(0, limit);
  }

  async markPublished(_tx: Tx, ids: readonly number[]): Promise<void> {
    for (const id of ids) this.published.add(id);
  }
}

/**
 * The RabbitMQ feed against the real broker, on exchange and queue names of this run's own (a
 * unique AMQP prefix), deleted afterwards.
 */
describe('the RabbitMQ event feed', () => {
  const sut = useSystem({ api: true, worker: false });
  let queues: FeedQueues;
  let topology: FeedTopology;
  let channel: Channel;
  const publishers: FeedPublisher[] = [];

  beforeAll(async () => {
    queues = await FeedQueues.open(uniqueAmqpPrefix());
    ({ topology, channel } = queues);
  });

  afterAll(async () => {
    await Promise.all(publishers.map((publisher) => publisher.close()));
    await queues?.close();
  });

  function publisher(source: FeedSource, amqpUrl = AMQP_URL, options: { confirmTimeoutMs?: number } = {}): FeedPublisher {
    const created = new FeedPublisher({
      db: sut.system.container.db,
      source,
      amqpUrl,
      topology,
      logger: createLogger('silent'),
      batchSize: 7,
      ...options,
    });
    publishers.push(created);
    return created;
  }

  const drain = (queue: string) => queues.drain(queue);

  async function publishAll(feed: FeedPublisher): Promise<number> {
    let total = 0;
    for (let published = await feed.publishPending(); published > 0; published = await feed.publishPending()) total += published;
    return total;
  }

  it('delivers order events in order per order id, persistent, each once, and stock events to the stock queue', async () => {
    const source = new ListSource();
    const orders = ['o-1', 'o-2', 'o-3'];
    for (const type of ['order.placed', 'order.confirmed', 'order.fulfilled']) for (const order of orders) source.add(type, order);
    source.add('stock.changed', 'SKU-1', { available: 4 });
    source.add('cart.updated', 'c-1');
    const feed = publisher(source);
    // Published in batches of 7 (each marked once the broker confirmed it).
    expect(await publishAll(feed)).toBe(10);
    expect(await feed.publishPending()).toBe(0);

    const received = await drain(topology.orderQueue);
    expect(received.map((message) => message.properties.deliveryMode)).toEqual(Array(9).fill(2));
    for (const order of orders) {
      expect(
        received
          .map(bodyOf)
          .filter((body) => body.subject === order)
          .map((body) => body.type),
      ).toEqual(['order.placed', 'order.confirmed', 'order.fulfilled']);
    }
    expect(received.map((message) => Number(message.properties.messageId))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const stock = await drain(topology.stockQueue);
    expect(stock.map(bodyOf)).toEqual([expect.objectContaining({ id: 10, type: 'stock.changed', subject: 'SKU-1' })]);
  });

  it('keeps events for a consumer that was down, and marks nothing published while RabbitMQ cannot be reached', async () => {
    const source = new ListSource();
    source.add('order.placed', 'o-down');
    source.add('order.confirmed', 'o-down');
    // RabbitMQ away: nothing is published, nothing is marked.
    const unreachable = publisher(source, `amqp://guest:guest@127.0.0.1:${await freePort()}`);
    await expect(unreachable.publishPending()).rejects.toThrow();
    expect(source.published.size).toBe(0);

    // Back: both go, in the background, while no consumer is attached.
    const feed = publisher(source);
    feed.start();
    source.add('order.fulfilled', 'o-down');
    await eventually(async () => (source.published.size === 3 ? true : undefined), 'the feed to publish every event');

    // The consumer comes back and finds them all, in order.
    const received: Message[] = [];
    const consumer = await channel.consume(topology.orderQueue, (message) => {
      if (!message) return;
      received.push(message);
      channel.ack(message);
    });
    await eventually(async () => (received.length === 3 ? true : undefined), 'the consumer to receive the waiting events');
    await channel.cancel(consumer.consumerTag);
    expect(received.map(bodyOf).map((body) => body.type)).toEqual(['order.placed', 'order.confirmed', 'order.fulfilled']);
  });

  it('gives a batch up when the broker stops answering on an open connection, marks nothing, and publishes it again on a new one', async () => {
    const relay = new BrokerRelay();
    await relay.start();
    try {
      const source = new ListSource();
      source.add('order.placed', 'o-silent');
      const feed = publisher(source, relay.url, { confirmTimeoutMs: 500 });
      expect(await feed.publishPending()).toBe(1);

      // The connection stays open, but nothing comes back on it: no confirmation, no heartbeat
      // failure for a while. The batch is given up (its transaction with it) rather than waited on.
      relay.silence();
      source.add('order.confirmed', 'o-silent');
      await expect(feed.publishPending()).rejects.toThrow(/no confirmation from RabbitMQ/);
      expect([...source.published]).toEqual([1]);

      // The next attempt connects again and the batch goes, once.
      expect(await feed.publishPending()).toBe(1);
      expect([...source.published]).toEqual([1, 2]);
      const received = (await drain(topology.orderQueue)).map(bodyOf).filter((body) => body.subject === 'o-silent');
      expect(received.map(({ id, type }) => [id, type])).toEqual([
        [1, 'order.placed'],
        [2, 'order.confirmed'],
      ]);
    } finally {
      await relay.stop();
    }
  });

  it("dead-letters a message its consumer rejects into the queue's .dlq", async () => {
    const source = new ListSource();
    source.add('order.confirmed', 'o-rejected');
    source.add('stock.changed', 'SKU-REJECTED');
    await publishAll(publisher(source));

    for (const [queue, deadLetters] of [
      [topology.orderQueue, topology.orderDeadLetters],
      [topology.stockQueue, topology.stockDeadLetters],
    ] as const) {
      const message = await channel.get(queue, { noAck: false });
      if (message === false) throw new Error(`nothing in ${queue}`);
      channel.nack(message, false, false);
      const dead = await eventually(async () => {
        const found = await channel.get(deadLetters, { noAck: true });
        return found === false ? undefined : found;
      }, `the rejected message in ${deadLetters}`);
      expect(dead.properties.messageId).toBe(message.properties.messageId);
      expect(dead.properties.headers?.['x-death']?.[0]).toMatchObject({ queue, reason: 'rejected' });
      expect(await channel.get(queue, { noAck: true })).toBe(false);
    }
  });
});
