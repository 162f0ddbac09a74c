import type { JobsOptions } from 'bullmq';

/**
 * Every queue and job flashcart runs, with its payload type and default options. Adding a job here
 * without a handler makes the worker refuse to start. (Accepted orders do not go through BullMQ: they
 * reach Postgres through the persist stream, see src/modules/orders/persistence/.)
 */
export const QUEUE_NAMES = ['maintenance', 'carts'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface JobPayloads {
  'expire-reservations': Record<string, never>;
  /** Writes dirty carts to Postgres (scheduled). */
  'persist-carts': Record<string, never>;
  /** Compares carts in Redis with their snapshots and heals drift (scheduled). */
  'reconcile-carts': Record<string, never>;
  /** Finds cart SKUs that sold out or came back (scheduled). */
  'watch-cart-stock': Record<string, never>;
  /** Carries a catalog or stock change of one SKU to every cart holding it. */
  'refresh-carts': { sku: string; change: 'changed' | 'deleted' | 'stock' };
}
export type JobName = keyof JobPayloads;

/**
 * Per-queue worker settings. A job whose worker dies (or blocks past its lock) "stalls" and is
 * taken over; BullMQ fails it for good after maxStalledCount stalls.
 */
export const QUEUE_SETTINGS: Record<QueueName, { maxStalledCount: number }> = {
  maintenance: { maxStalledCount: 1 },
  carts: { maxStalledCount: 1 },
};

/** The longest wait between two attempts of a job with 'capped-exponential' backoff. */
export const BACKOFF_MAX_MS = 15_000;

export const JOBS: { [N in JobName]: { queue: QueueName; options: JobsOptions } } = {
  'expire-reservations': {
    queue: 'maintenance',
    options: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } },
  },
  'persist-carts': {
    queue: 'carts',
    options: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } },
  },
  'reconcile-carts': {
    queue: 'carts',
    options: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } },
  },
  'watch-cart-stock': {
    queue: 'carts',
    options: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } },
  },
  'refresh-carts': {
    queue: 'carts',
    options: {
      attempts: 8,
      backoff: { type: 'capped-exponential', delay: 500 },
      removeOnComplete: true,
      removeOnFail: { count: 1_000 },
    },
  },
};

/** Exponential backoff from the job's delay, capped, for the 'capped-exponential' type. */
export function cappedExponentialBackoff(attemptsMade: number, baseDelayMs: number): number {
  return Math.min(baseDelayMs * 2 ** Math.max(0, attemptsMade - 1), BACKOFF_MAX_MS);
}
