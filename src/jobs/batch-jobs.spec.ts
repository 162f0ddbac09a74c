import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { runBatch } from './batch-jobs.js';

const logger = pino({ level: 'silent' });
const job = (orderId: string) => ({ data: { orderId }, jobId: `fulfil-${orderId}` });

describe('runBatch', () => {
  it('runs every item and queues each one that failed as a job of its own, held back by its first backoff', async () => {
    const added: { name: string; jobs: unknown[] }[] = [];
    const queues = { addBulk: async (name: string, jobs: readonly unknown[]) => void added.push({ name, jobs: [...jobs] }) };
    const ran: string[] = [];
    const report = await runBatch(
      'fulfil-order',
      ['a', 'b', 'c'].map(job),
      async ({ orderId }) => {
        ran.push(orderId);
        if (orderId === 'b') throw new Error('vendor down');
      },
      { queues, logger },
    );
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(report).toEqual({ ran: 2, requeued: 1 });
    // fulfil-order's backoff starts at 1 s (src/jobs/registry.ts).
    expect(added).toEqual([{ name: 'fulfil-order', jobs: [{ data: { orderId: 'b' }, jobId: 'fulfil-b', delay: 1_000 }] }]);
  });

  it('queues nothing when every item ran, and fails the batch when the failures cannot be queued', async () => {
    const added: unknown[] = [];
    const queues = { addBulk: async (_name: string, jobs: readonly unknown[]) => void added.push(...jobs) };
    expect(await runBatch('fulfil-order', [job('a')], async () => undefined, { queues, logger })).toEqual({ ran: 1, requeued: 0 });
    expect(added).toEqual([]);

    const unreachable = {
      addBulk: async () => {
        throw new Error('Redis is away');
      },
    };
    const failing = runBatch(
      'fulfil-order',
      [job('a')],
      async () => {
        throw new Error('boom');
      },
      { queues: unreachable, logger },
    );
    await expect(failing).rejects.toThrow('Redis is away');
  });
});
