import type { JobQueues } from '../../jobs/job-queues.js';
import { PRIORITY } from '../../jobs/registry.js';
import type { OutboxRecord } from './outbox-events.js';
import type { OutboxPublisher } from './outbox-relay.js';

/** Events about the shop rather than a customer's order; their mail goes to admins. */
const ADMIN_EVENTS = new Set<OutboxRecord['type']>(['job.dead-lettered']);

/**
 * Hands outbox events to the notifications queue, one `notify` job per event in one round trip. The
 * job id is the event's id, so handing an event over again adds nothing while its job is kept.
 */
export class QueueOutboxPublisher implements OutboxPublisher {
  constructor(private readonly queues: Pick<JobQueues, 'addBulk'>) {}

  publish(events: readonly OutboxRecord[]): Promise<void> {
    return this.queues.addBulk(
      'notify',
      events.map((event) => ({
        data: event,
        jobId: `outbox-${event.id}`,
        priority: ADMIN_EVENTS.has(event.type) ? PRIORITY.admin : PRIORITY.customer,
      })),
    );
  }
}
