import type { JobsOptions } from 'bullmq';

/**
 * Every queue and job flashcart runs, with its payload type and default options. Adding a job here
 * without a handler makes the worker refuse to start. (Accepted orders do not go through BullMQ: they
 * reach Postgres through the persist stream, see src/modules/orders/persistence/.)
 */
export const QUEUE_NAMES = ['maintenance', 'vendors'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface JobPayloads {
  'expire-reservations': Record<string, never>;
  /** One vendor's stock sync; a job scheduler per enabled vendor (`vendor-sync:<vendorId>`), or an admin's request. */
  'vendor-sync': { vendorId: string };
  /** A CONFIRMED order's fulfilment; jobId = the order id. */
  'fulfil-order': { orderId: string };
}
export type JobName = keyof JobPayloads;

/**
 * Per-queue worker settings. A job whose worker dies (or blocks past its lock) "stalls" and is
 * taken over; BullMQ fails it for good after maxStalledCount stalls.
 */
export const QUEUE_SETTINGS: Record<QueueName, { maxStalledCount: number }> = {
  maintenance: { maxStalledCount: 1 },
  vendors: { maxStalledCount: 1 },
};

/** The longest wait between two attempts of a job with 'capped-exponential' backoff. */
export const BACKOFF_MAX_MS = 15_000;

export const JOBS: { [N in JobName]: { queue: QueueName; options: JobsOptions } } = {
  'expire-reservations': {
    queue: 'maintenance',
    options: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } },
  },
  // A vendor fault is an outcome, not a failure: only our own stores being away fails a sync, and
  // the next tick is as good as a retry.
  'vendor-sync': {
    queue: 'vendors',
    options: { attempts: 2, backoff: { type: 'capped-exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: { count: 100 } },
  },
  // Vendor faults are retried for a few minutes before the job becomes a dead letter.
  'fulfil-order': {
    queue: 'vendors',
    options: { attempts: 8, backoff: { type: 'capped-exponential', delay: 1_000 }, removeOnComplete: { count: 1_000 }, removeOnFail: false },
  },
};

/** Exponential backoff from the job's delay, capped, for the 'capped-exponential' type. */
export function cappedExponentialBackoff(attemptsMade: number, baseDelayMs: number): number {
  return Math.min(baseDelayMs * 2 ** Math.max(0, attemptsMade - 1), BACKOFF_MAX_MS);
}
