import type { Logger } from 'pino';
import type { JobQueues, QueuedJob } from './job-queues.js';
import { JOBS, type JobName } from './registry.js';

/** What a batch job did: items that ran, and items that failed and went on as jobs of their own. */
export interface BatchReport {
  ran: number;
  requeued: number;
}

/**
 * Runs the items of a batch job together (so what they share, a lookup or a transaction, is paid
 * once per batch) and hands every item that fails to a job of its own, `single`, held back by that
 * job's first backoff delay: from then on it has the single job's attempts, backoff and dead
 * letter, as if it had never been batched. The batch job itself fails (and is retried) only when it
 * cannot queue those, and a retry runs its items again, which every item's handler absorbs (each
 * is idempotent, as any job's must be).
 */
export async function runBatch<T, N extends JobName>(
  items: readonly T[],
  run: (item: T) => Promise<unknown>,
  retryAlone: { queues: Pick<JobQueues, 'addBulk'>; single: N; job: (item: T) => QueuedJob<N>; logger: Logger },
): Promise<BatchReport> {
  const outcomes = await Promise.allSettled(items.map((item) => run(item)));
  const failed = items.filter((_, i) => outcomes[i]!.status === 'rejected');
  if (failed.length > 0) {
    const first = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')!;
    retryAlone.logger.warn(
      { job: retryAlone.single, failed: failed.length, of: items.length, err: first.reason },
      'items of a batch job failed; each is retried as a job of its own',
    );
    const delay = firstBackoffMs(retryAlone.single);
    await retryAlone.queues.addBulk(
      retryAlone.single,
      failed.map((item) => ({ ...retryAlone.job(item), delay })),
    );
  }
  return { ran: items.length - failed.length, requeued: failed.length };
}

/** The wait before a job's second attempt, as its backoff sets it. */
function firstBackoffMs(name: JobName): number {
  const { backoff } = JOBS[name].options;
  if (typeof backoff === 'number') return backoff;
  return backoff?.delay ?? 0;
}
