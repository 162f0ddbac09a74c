import type { Job } from 'bullmq';

/** A job that used up its attempts, as failed_jobs records it. */
export interface DeadLetter {
  /** Queue, job id and the moment it failed: the same failure reported twice is recorded once. */
  dedupeKey: string;
  queue: string;
  name: string;
  jobId: string | null;
  payload: unknown;
  reason: string;
  stack: string | null;
  attempts: number;
  /** ISO 8601. */
  failedAt: string;
}

/** The dead letter of a job BullMQ has just failed for good. */
export function deadLetterOf(queue: string, job: Job, error: Error): DeadLetter {
  const failedAt = job.finishedOn ?? Date.now();
  return {
    dedupeKey: `${queue}:${job.id ?? job.name}:${failedAt}`,
    queue,
    name: job.name,
    jobId: job.id ?? null,
    payload: job.data,
    reason: error.message || String(error),
    stack: error.stack ?? null,
    attempts: job.attemptsMade,
    failedAt: new Date(failedAt).toISOString(),
  };
}
