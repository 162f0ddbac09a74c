import { randomBytes, randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OutboxRecord } from '../src/modules/outbox/outbox-events.js';
import { jobHandlers } from '../src/system.js';
import { createProduct } from './support/fixtures.js';
import { eventually, guests } from './support/http.js';
import { mailsTo } from './support/payments.js';
import { useSystem } from './support/system.js';

/**
 * The outbox relay hands a batch's customer events to one `notify-batch` job and its confirmed
 * orders to one `fulfil-orders` job. Here the relay ticks once a minute, so nothing but the test runs
 * those handlers (with real Postgres, Redis, BullMQ and SMTP); the worker runs the jobs they queue.
 */
describe('batch jobs', () => {
  const sut = useSystem({ api: true, worker: true, mailSink: true }, { OUTBOX_RELAY_INTERVAL_MS: '60000', EXPIRY_SWEEP_INTERVAL_MS: '3600000' });
  const container = () => sut.system.container;
  const handlers = () => jobHandlers(container());
  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function placedBy(email?: string): Promise<string> {
    const [buyer] = await guests(sut.system.url!, 1);
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const placed = await buyer!.order([{ sku, quantity: 1 }], `batch-${randomBytes(4).toString('hex')}`, email ? { customerEmail: email } : {});
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  }

  it('notifies the events of a notify-batch together, and hands one that fails to a notify job of its own, which sends its mail', async () => {
    const emails = [0, 1].map((i) => `batch-${i}-${randomBytes(4).toString('hex')}@example.test`);
    const orderIds = [await placedBy(emails[0]), await placedBy(emails[1])];
    const events = await eventually(async () => {
      const rows = await container()
        .db.selectFrom('outbox')
        .select(['id', 'orderId', 'eventType', 'payload', 'createdAt'])
        .where('orderId', 'in', orderIds)
        .where('eventType', '=', 'order.placed')
        .orderBy('id')
        .execute();
      return rows.length === 2 ? rows : undefined;
    }, 'both orders stored');
    const records = events.map(
      (row) =>
        ({ id: row.id, type: row.eventType, orderId: row.orderId, payload: row.payload, createdAt: row.createdAt.toISOString() }) as OutboxRecord,
    );
    const notify = container().notifier.notify.bind(container().notifier);
    vi.spyOn(container().notifier, 'notify').mockImplementation((event) =>
      event.orderId === orderIds[1] ? Promise.reject(new Error('refused by the test')) : notify(event),
    );

    expect(await handlers()['notify-batch']({ events: records }, {} as Job)).toEqual({ ran: 1, requeued: 1 });
    await mailsTo(sut.admin, emails[0]!, /received/);
    const single = await container().queues.getJob('notify', `outbox-${records[1]!.id}`);
    expect(single?.data).toEqual(records[1]);
    expect(single?.opts.delay).toBe(1_000);

    // The failure was the batch's: the event's own job, a second later, sends its mail.
    vi.restoreAllMocks();
    await mailsTo(sut.admin, emails[1]!, /received/);
  });

  it('fulfils the orders of a fulfil-orders job together, and hands one that fails to a fulfil-order job of its own', async () => {
    const orderIds = [await placedBy(), await placedBy()];
    for (const orderId of orderIds) expect((await sut.admin.patch(`/api/admin/orders/${orderId}`, { status: 'CONFIRMED' })).status).toBe(200);
    const missing = randomUUID();

    expect(await handlers()['fulfil-orders']({ orderIds: [...orderIds, missing] }, {} as Job)).toEqual({ ran: 2, requeued: 1 });
    const statuses = await container().db.selectFrom('orders').select('status').where('id', 'in', orderIds).execute();
    expect(statuses.map((order) => order.status)).toEqual(['FULFILLED', 'FULFILLED']);
    const single = await container().queues.getJob('fulfil-order', `fulfil-${missing}`);
    expect(single?.data).toEqual({ orderId: missing });
    expect(single?.opts.delay).toBe(1_000);
    await single?.remove().catch(() => undefined);
  });
});
