import type { JobQueues, QueuedJob } from '../../jobs/job-queues.js';
import { PRIORITY } from '../../jobs/registry.js';
import { sha256Hex } from '../../lib/hashing.js';
import { mayCallForMail } from '../notifications/notifier.js';
import type { OutboxRecord } from './outbox-events.js';
import type { OutboxPublisher } from './outbox-relay.js';

/** Events about the shop rather than a customer's order; their mail goes to admins. */
const ADMIN_EVENTS = new Set<OutboxRecord['type']>(['job.dead-lettered', 'payment.anomaly']);

/** The `notify` job of one event: its id comes from the event, so handing the event over again adds nothing while the job is kept. */
export const notifyJob = (event: OutboxRecord): QueuedJob<'notify'> => ({
  data: event,
  jobId: `outbox-${event.id}`,
  priority: ADMIN_EVENTS.has(event.type) ? PRIORITY.admin : PRIORITY.customer,
});

/** The `fulfil-order` job of one order: one per order while it is kept. */
export const fulfilJob = (orderId: string): QueuedJob<'fulfil-order'> => ({
  data: { orderId },
  jobId: `fulfil-${orderId}`,
  priority: PRIORITY.customer,
});

/**
 * A batch job's id: its first and last event ids, for a reader, and a digest of every id in it. The
 * first and last alone are not enough: a relay whose commit failed after it queued events 10 and 12
 * hands over 10, 11 and 12 next time (11 committed meanwhile), and the queue would take that batch
 * for the one it holds and drop it, event 11 with it. Handing the same events over again still adds
 * nothing.
 */
function batchJobId(prefix: string, events: readonly OutboxRecord[]): string {
  const digest = sha256Hex(events.map((event) => event.id).join(',')).slice(0, 16);
  return `${prefix}-${events[0]!.id}-${events.at(-1)!.id}-${digest}`;
}

/**
 * Hands outbox events to the queues: their notifications for every event that may call for mail
 * (`mayCallForMail`: not a stock change, nor an order's move to FULFILLED), and the fulfilment of
 * every order that became CONFIRMED. A batch's customer events go as one `notify-batch` job and its
 * confirmed orders as one `fulfil-orders` job (in a sale, hundreds of each per relay batch, which
 * one job each would cost the worker and Redis a job's overhead per order); alone, or for admins,
 * an event is a `notify` job of its own and an order a `fulfil-order` job. Job ids come from the
 * events and orders (`batchJobId`), so handing a batch over again adds nothing while its jobs are kept.
 */
export class QueueOutboxPublisher implements OutboxPublisher {
  constructor(private readonly queues: Pick<JobQueues, 'addBulk'>) {}

  async publish(events: readonly OutboxRecord[]): Promise<void> {
    const mailing = events.filter(mayCallForMail);
    const forAdmins = mailing.filter((event) => ADMIN_EVENTS.has(event.type));
    const forCustomers = mailing.filter((event) => !ADMIN_EVENTS.has(event.type));
    const confirmations = events.filter((event) => event.type === 'order.status-changed' && event.payload.to === 'CONFIRMED' && event.orderId);
    const confirmed = confirmations.map((event) => event.orderId!);
    await this.queues.addBulk('notify', [...forAdmins, ...(forCustomers.length === 1 ? forCustomers : [])].map(notifyJob));
    if (forCustomers.length > 1) {
      const jobId = batchJobId('notify', forCustomers);
      await this.queues.addBulk('notify-batch', [{ data: { events: forCustomers }, jobId, priority: PRIORITY.customer }]);
    }
    if (confirmed.length === 1) await this.queues.addBulk('fulfil-order', [fulfilJob(confirmed[0]!)]);
    if (confirmed.length > 1) {
      const jobId = batchJobId('fulfil-batch', confirmations);
      await this.queues.addBulk('fulfil-orders', [{ data: { orderIds: confirmed }, jobId, priority: PRIORITY.customer }]);
    }
  }
}
