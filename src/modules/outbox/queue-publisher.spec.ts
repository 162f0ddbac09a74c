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

const ORDER_2 = '00000000-0000-4000-8000-0000000000bb';

function recordingPublisher() {
  const added: { name: string; jobIds: string[]; data: unknown[] }[] = [];
  const publisher = new QueueOutboxPublisher({
    addBulk: async (name, jobs) => {
      if (jobs.length > 0) added.push({ name, jobIds: jobs.map((job) => String(job.jobId)), data: jobs.map((job) => job.data) });
    },
  });
  return { publisher, added };
}

describe('QueueOutboxPublisher', () => {
  it('queues the notifications of a batch as one job, only of events that may call for mail, and its confirmed orders as one fulfilment job', async () => {
    const { publisher, added } = recordingPublisher();
    await publisher.publish([
      { id: 1, type: 'order.placed', orderId: ORDER, payload: {}, createdAt: '2026-12-01T10:00:00.000Z' },
      statusChange(2, 'PENDING', 'CONFIRMED'),
      statusChange(3, 'CONFIRMED', 'FULFILLED'),
      statusChange(4, 'PENDING', 'FAILED'),
      statusChange(5, 'CONFIRMED', 'FAILED'),
      statusChange(6, 'PENDING', 'EXPIRED'),
      statusChange(7, 'PENDING', 'CANCELLED'),
      { id: 8, type: 'stock.changed', orderId: null, payload: { sku: 'LAMP', available: 3 }, createdAt: '2026-12-01T10:00:00.000Z' },
      { ...statusChange(9, 'PENDING', 'CONFIRMED'), orderId: ORDER_2 },
    ]);
    expect(added.map(({ name, jobIds }) => ({ name, jobIds }))).toEqual([
      { name: 'notify-batch', jobIds: [expect.stringMatching(/^notify-1-9-[0-9a-f]{16}$/)] },
      { name: 'fulfil-orders', jobIds: [expect.stringMatching(/^fulfil-batch-2-9-[0-9a-f]{16}$/)] },
    ]);
    expect((added[0]!.data[0] as { events: OutboxRecord[] }).events.map((event) => event.id)).toEqual([1, 2, 4, 5, 6, 7, 9]);
    expect(added[1]!.data[0]).toEqual({ orderIds: [ORDER, ORDER_2] });
  });

  it('gives a batch that gained an event between its first and last another job id, and the same batch again the same one', async () => {
    const { publisher, added } = recordingPublisher();
    const confirmation = (id: number) => ({ ...statusChange(id, 'PENDING', 'CONFIRMED'), orderId: `00000000-0000-4000-8000-0000000000${id}` });
    // A relay queued 10 and 12 and failed to commit; 11 committed meanwhile; the next relay hands all three over.
    await publisher.publish([confirmation(10), confirmation(12)]);
    await publisher.publish([confirmation(10), confirmation(11), confirmation(12)]);
    await publisher.publish([confirmation(10), confirmation(11), confirmation(12)]);
    const ids = (name: string) => added.filter((job) => job.name === name).map((job) => job.jobIds[0]);
    for (const name of ['notify-batch', 'fulfil-orders']) {
      const [first, second, again] = ids(name);
      expect(second).not.toBe(first);
      expect(again).toBe(second);
    }
  });

  it("queues an event or an order alone as a job of its own, and admins' events always alone", async () => {
    const { publisher, added } = recordingPublisher();
    await publisher.publish([
      statusChange(2, 'PENDING', 'CONFIRMED'),
      {
        id: 3,
        type: 'job.dead-lettered',
        orderId: null,
        payload: {
          failedJobId: 1,
          queue: 'vendors',
          name: 'fulfil-order',
          jobId: 'x',
          reason: 'boom',
          attempts: 8,
          failedAt: '2026-12-01T10:00:00.000Z',
        },
        createdAt: '2026-12-01T10:00:00.000Z',
      },
    ]);
    expect(added.map(({ name, jobIds }) => ({ name, jobIds }))).toEqual([
      { name: 'notify', jobIds: ['outbox-3', 'outbox-2'] },
      { name: 'fulfil-order', jobIds: [`fulfil-${ORDER}`] },
    ]);
  });
});
