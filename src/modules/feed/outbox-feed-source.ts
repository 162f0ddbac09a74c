import type { Tx } from '../../db/database.js';
import type { OutboxRepository } from '../outbox/outbox.repository.js';
import type { OutboxRecord } from '../outbox/outbox-events.js';
import type { FeedEvent, FeedSource } from './feed-publisher.js';

/**
 * The outbox as the feed's source: every event, read by the feed's own mark (`outbox.fed_at`), so
 * the feed and the relay that hands events to the queues never wait for each other.
 */
export class OutboxFeedSource implements FeedSource {
  constructor(private readonly outbox: Pick<OutboxRepository, 'unfed' | 'markFed'>) {}

  async unpublished(tx: Tx, limit: number): Promise<FeedEvent[]> {
    return (await this.outbox.unfed(tx, limit)).map(feedEventOf);
  }

  markPublished(tx: Tx, ids: readonly number[]): Promise<void> {
    return this.outbox.markFed(tx, ids);
  }
}

/**
 * An outbox event as the feed carries it. A status change is routed by the status the order reached
 * (`order.confirmed`, `order.fulfilled`, `order.failed`, …), so a consumer binds to the changes it
 * cares about; stock events, and a SKU's low-stock alert, are about their SKU. Events of other
 * kinds keep their type, which the publisher does not send (only `order.*` and `stock.*` go out).
 */
export function feedEventOf(record: OutboxRecord): FeedEvent {
  const event = { id: record.id, payload: record.payload, occurredAt: new Date(record.createdAt) };
  switch (record.type) {
    case 'order.status-changed':
      return { ...event, type: `order.${record.payload.to.toLowerCase()}`, subject: record.orderId ?? '' };
    case 'stock.changed':
    case 'inventory.low-stock':
      return { ...event, type: record.type, subject: record.payload.sku };
    default:
      return { ...event, type: record.type, subject: record.orderId ?? '' };
  }
}
