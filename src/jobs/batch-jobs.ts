import type { Logger } from 'pino';
import type { JobQueues, QueuedJob } from './job-queues.js';
import { JOBS, type JobName, type JobPayloads } from './registry.js';

/** What a batch job did: items that ran, and items that failed and went on as jobs of their own. */
export interface BatchReport {
  ran: number;
  requeued: number;
}

/**
 * Runs the items of a batch job together, each as the `single` job it stands for would run (so
 * what they share, a lookup or a transaction, is paid once per batch), and queues every one that
 * fails as that job, held back by its first backoff delay: from then on it has the single job's
 * attempts, backoff and dead letter, as if it had never been batched. The batch job itself fails
 * (and is retried) only when it cannot queue those, and a retry runs its items again, which every
 * item's handler absorbs (each is idempotent, as any job's must be).
 */
export async function runBatch<N extends JobName>(
  single: N,
  jobs: readonly QueuedJob<N>[],
  run: (data: JobPayloads[N]) => Promise<unknown>,
  deps: { queues: Pick<JobQueues, 'addBulk'>; logger: Logger },
): Promise<BatchReport> {
  const outcomes = await Promise.allSettled(jobs.map((job) => run(job.data)));
  const failed = jobs.filter((_, i) => outcomes[i]!.status === 'rejected');
  if (failed.length > 0) {
    const first = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')!;
    deps.logger.warn(
      { job: single, failed: failed.length, of: jobs.length, err: first.reason },
      'items of a batch job failed; each is retried as a job of its own',
    );
    const delay = firstBackoffMs(single);
    await deps.queues.addBulk(
      single,
      failed.map((job) => ({ ...job, delay })),
    );
  }
  return { ran: jobs.length - failed.length, requeued: failed.length };
}

/** The wait before a job's second attempt, as its backoff sets it. */
function firstBackoffMs(name: JobName): number {
  const { backoff } = JOBS[name].options;
  if (typeof backoff === 'number') return backoff;
  return backoff?.delay ?? 0;
}
