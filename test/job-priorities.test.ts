import { Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { PRIORITY } from '../src/jobs/registry.js';
import { useSystem } from './support/system.js';

/**
 * Admin work outranks customer work in every queue. No worker here: the test takes the queue's next
 * job itself, as a worker would.
 */
describe('job priorities', () => {
  const sut = useSystem({ api: true, worker: false });

  it('runs a job queued with no priority after admin work queued later (a dead letter’s retry)', async () => {
    const { queues } = sut.system.container;
    await queues.add('refresh-carts', { sku: 'QUEUED-FIRST', change: 'changed' });
    await queues.addBulk('refresh-carts', [{ data: { sku: 'BULK-FIRST', change: 'changed' }, jobId: 'bulk-first' }]);
    await queues.add('refresh-carts', { sku: 'ADMIN-RETRY', change: 'changed' }, { jobId: 'retry-of-test', priority: PRIORITY.admin });

    const queue = queues.queue('carts');
    const connection = sut.system.container.redis.duplicate({ maxRetriesPerRequest: null });
    const taker = new Worker('carts', null, {
      connection,
      prefix: queue.opts.prefix,
      autorun: false,
    });
    try {
      const next = await taker.getNextJob('test-token', { block: false });
      expect(next?.data).toEqual({ sku: 'ADMIN-RETRY', change: 'changed' });
    } finally {
      await taker.close();
      await connection.quit();
    }
  });
});
