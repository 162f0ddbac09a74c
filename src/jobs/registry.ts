import type { JobsOptions } from 'bullmq';
import type { OrderSnapshot } from '../modules/orders/orders.types.js';

/**
 * Every queue and job flashcart runs, with its payload type and default options. Adding a job here
 * without a handler makes the worker refuse to start.
 */
export const QUEUE_NAMES = ['orders', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface JobPayloads {
  'persist-order': OrderSnapshot;
  'expire-reservations': Record<string, never>;
}
export type JobName = keyof JobPayloads;

/**
 * Per-queue worker settings. A job whose worker dies (or blocks past its lock) "stalls" and is
 * taken over; BullMQ fails it for good after maxStalledCount stalls, which for an accepted order
 * would strand it, so the orders queue tolerates many.
 */
export const QUEUE_SETTINGS: Record<QueueName, { maxStalledCount: number }> = {
  orders: { maxStalledCount: 100 },
  maintenance: { maxStalledCount: 1 },
};

/** Persistence must outlive a Postgres outage: about four hours of retries, 15 s apart at most. */
export const PERSIST_BACKOFF_MAX_MS = 15_000;
const PERSIST_ATTEMPTS = 1_000;

export const JOBS: { [N in JobName]: { queue: QueueName; options: JobsOptions } } = {
  'persist-order': {
    queue: 'orders',
    options: {
      attempts: PERSIST_ATTEMPTS,
      backoff: { type: 'capped-exponential', delay: 250 },
      removeOnComplete: { age: 3_600, count: 100_000 },
      removeOnFail: false,
    },
  },
  'expire-reservations': {
    queue: 'maintenance',
    options: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } },
  },
};

/** Exponential backoff from the job's delay, capped, for the 'capped-exponential' type. */
export function cappedExponentialBackoff(attemptsMade: number, baseDelayMs: number): number {
  return Math.min(baseDelayMs * 2 ** Math.max(0, attemptsMade - 1), PERSIST_BACKOFF_MAX_MS);
}
