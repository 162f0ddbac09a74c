import { Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { PRIORITY } from '../src/jobs/registry.js';
import { useSystem } from './support/system.js';

/**
 * Admin work in the queues: it outranks customer work, and a dead letter's retry is taken back by
 * its discard. No worker here: jobs wait, and the test takes the queue's next job itself, as a
 * worker would.
 */
describe('admin work in the queues', () => {
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

  it('takes back a dead letter’s retry still waiting when the dead letter is discarded', async () => {
    const { container } = sut.system;
    const [letter] = await container.db.transaction().execute((tx) =>
      container.failedJobsRepository.insert(tx, [
        {
          dedupeKey: 'discarded-while-retried',
          queue: 'carts',
          name: 'refresh-carts',
          jobId: 'refresh-1',
          payload: { sku: 'SOME-SKU', change: 'changed' },
          reason: 'a test',
          stack: null,
          attempts: 3,
          failedAt: new Date().toISOString(),
        },
      ]),
    );
    expect((await sut.admin.post(`/api/admin/failed-jobs/${letter!.id}/retry`)).status).toBe(202);
    expect(await (await container.queues.getJob('refresh-carts', `retry-of-${letter!.id}`))?.getState()).toBe('prioritized');

    const discarded = await sut.admin.post(`/api/admin/failed-jobs/${letter!.id}/discard`);
    expect(discarded.body).toMatchObject({ id: letter!.id, status: 'discarded' });
    expect(await container.queues.getJob('refresh-carts', `retry-of-${letter!.id}`)).toBeUndefined();
  });
});
