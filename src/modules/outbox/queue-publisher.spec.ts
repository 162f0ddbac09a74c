import { describe, expect, it } from 'vitest';
import type { OrderStatus } from '../../db/schema.js';
import type { OutboxRecord } from './outbox-events.js';
import { QueueOutboxPublisher } from './queue-publisher.js';

const ORDER = '00000000-0000-4000-8000-0000000000aa';

const statusChange = (id: number, from: OrderStatus, to: OrderStatus): OutboxRecord => ({
  id,
  type: 'order.status-changed',
  orderId: ORDER,
  payload: { from, to, reason: null, actor: 'system', at: '2026-12-01T10:00:00.000Z' },
  createdAt: '2026-12-01T10:00:00.000Z',
});

describe('QueueOutboxPublisher', () => {
  it('queues a notify job only for events that may call for mail, and fulfilment for each confirmation', async () => {
    const added: { name: string; jobIds: string[] }[] = [];
    const publisher = new QueueOutboxPublisher({
      addBulk: async (name, jobs) => {
        added.push({ name, jobIds: jobs.map((job) => String(job.jobId)) });
      },
    });
    await publisher.publish([
      { id: 1, type: 'order.placed', orderId: ORDER, payload: {}, createdAt: '2026-12-01T10:00:00.000Z' },
      statusChange(2, 'PENDING', 'CONFIRMED'),
      statusChange(3, 'CONFIRMED', 'FULFILLED'),
      statusChange(4, 'PENDING', 'FAILED'),
      statusChange(5, 'CONFIRMED', 'FAILED'),
      statusChange(6, 'PENDING', 'EXPIRED'),
      statusChange(7, 'PENDING', 'CANCELLED'),
      { id: 8, type: 'stock.changed', orderId: null, payload: { sku: 'LAMP', available: 3 }, createdAt: '2026-12-01T10:00:00.000Z' },
    ]);
    expect(added).toEqual([
      { name: 'notify', jobIds: ['outbox-1', 'outbox-2', 'outbox-5', 'outbox-6', 'outbox-7'] },
      { name: 'fulfil-order', jobIds: [`fulfil-${ORDER}`] },
    ]);
  });
});
