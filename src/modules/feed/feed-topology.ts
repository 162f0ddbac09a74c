import type { Channel } from 'amqplib';

/**
 * The RabbitMQ names of the event feed: a durable topic exchange the events are published to, the
 * two consumer queues the project declares for outside systems (ERP, warehouse), and their dead
 * letters. Every name takes the installation's prefix (AMQP_PREFIX), so installations and test
 * runs sharing a broker never collide.
 */
export interface FeedTopology {
  exchange: string;
  /** Where the consumer queues send what their consumers reject. */
  deadLetterExchange: string;
  /** Events whose routing key starts with `order.`. */
  orderQueue: string;
  orderDeadLetters: string;
  /** Events whose routing key starts with `stock.`. */
  stockQueue: string;
  stockDeadLetters: string;
}

export function feedTopology(prefix: string): FeedTopology {
  return {
    exchange: `${prefix}flashcart.events`,
    deadLetterExchange: `${prefix}flashcart.events.dlx`,
    orderQueue: `${prefix}order_queue`,
    orderDeadLetters: `${prefix}order_queue.dlq`,
    stockQueue: `${prefix}stock_sync_queue`,
    stockDeadLetters: `${prefix}stock_sync_queue.dlq`,
  };
}

/**
 * Declares the exchanges and queues (idempotent: asserting what exists with the same arguments is
 * a no-op). Everything is durable, so queued events survive a broker restart and a consumer away.
 */
export async function declareFeedTopology(channel: Channel, topology: FeedTopology): Promise<void> {
  await channel.assertExchange(topology.exchange, 'topic', { durable: true });
  await channel.assertExchange(topology.deadLetterExchange, 'direct', { durable: true });
  const consumerQueues = [
    { queue: topology.orderQueue, deadLetters: topology.orderDeadLetters, pattern: 'order.#' },
    { queue: topology.stockQueue, deadLetters: topology.stockDeadLetters, pattern: 'stock.#' },
  ];
  for (const { queue, deadLetters, pattern } of consumerQueues) {
    await channel.assertQueue(deadLetters, { durable: true });
    await channel.bindQueue(deadLetters, topology.deadLetterExchange, deadLetters);
    await channel.assertQueue(queue, {
      durable: true,
      arguments: { 'x-dead-letter-exchange': topology.deadLetterExchange, 'x-dead-letter-routing-key': deadLetters },
    });
    await channel.bindQueue(queue, topology.exchange, pattern);
  }
}
