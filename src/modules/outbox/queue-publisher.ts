import type { JobQueues } from '../../jobs/job-queues.js';
import { PRIORITY } from '../../jobs/registry.js';
import { mayCallForMail } from '../notifications/notifier.js';
import type { OutboxRecord } from './outbox-events.js';
import type { OutboxPublisher } from './outbox-relay.js';

/** Events about the shop rather than a customer's order; their mail goes to admins. */
const ADMIN_EVENTS = new Set<OutboxRecord['type']>(['job.dead-lettered']);

/**
 * Hands outbox events to the queues: one `notify` job per event that may call for mail
 * (`mayCallForMail`: not a stock change, nor an order's move to FULFILLED), and a
 * `fulfil-order` job for every order that became CONFIRMED. Job ids come from the event or the
 * order, so handing an event over again adds nothing while its job is kept.
 */
export class QueueOutboxPublisher implements OutboxPublisher {
  constructor(private readonly queues: Pick<JobQueues, 'addBulk'>) {}

  async publish(events: readonly OutboxRecord[]): Promise<void> {
    await this.queues.addBulk(
      'notify',
      events.filter(mayCallForMail).map((event) => ({
        data: event,
        jobId: `outbox-${event.id}`,
        priority: ADMIN_EVENTS.has(event.type) ? PRIORITY.admin : PRIORITY.customer,
      })),
    );
    const confirmed = events.filter((event) => event.type === 'order.status-changed' && event.payload.to === 'CONFIRMED' && event.orderId);
    await this.queues.addBulk(
      'fulfil-order',
      confirmed.map((event) => ({ data: { orderId: event.orderId! }, jobId: `fulfil-${event.orderId}`, priority: PRIORITY.customer })),
    );
  }
}
