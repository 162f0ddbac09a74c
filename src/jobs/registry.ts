import type { JobsOptions } from 'bullmq';
import type { EmailJob } from '../modules/notifications/email-job.js';
import type { OutboxRecord } from '../modules/outbox/outbox-events.js';

/**
 * Every queue and job flashcart runs, with its payload type and default options. Adding a job here
 * without a handler makes the worker refuse to start. (Accepted orders do not go through BullMQ: they
 * reach Postgres through the persist stream, see src/modules/orders/persistence/.)
 */
export const QUEUE_NAMES = ['maintenance', 'outbox', 'notifications', 'carts', 'vendors'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface JobPayloads {
  'expire-reservations': Record<string, never>;
  /** Records the dead letters parked in Redis while Postgres was down. */
  'record-dead-letters': Record<string, never>;
  /** Moves outbox events to the notifications queue. */
  'relay-outbox': Record<string, never>;
  /** One outbox event: decides which mails it causes and queues one send each. */
  notify: OutboxRecord;
  /**
   * The customer events of one relay batch, notified together (their lookups shared); an event
   * that fails becomes a `notify` job of its own, with its own attempts and dead letter.
   */
  'notify-batch': { events: OutboxRecord[] };
  /** One mail to one recipient. */
  'send-email': EmailJob;
  /** Writes dirty carts to Postgres (scheduled). */
  'persist-carts': Record<string, never>;
  /** Compares carts in Redis with their snapshots and heals drift (scheduled). */
  'reconcile-carts': Record<string, never>;
  /** Finds cart SKUs that sold out or came back (scheduled). */
  'watch-cart-stock': Record<string, never>;
  /** Finds carts their owners left untouched and writes their reminders to the outbox (scheduled). */
  'remind-abandoned-carts': Record<string, never>;
  /** Carries a catalog or stock change of one SKU to every cart holding it. */
  'refresh-carts': { sku: string; change: 'changed' | 'deleted' | 'stock' };
  /** Recounts the SKUs whose vendor recount left units held by reservations (scheduled). */
  'recount-deferred': Record<string, never>;
  /** One vendor's stock sync; a job scheduler per enabled vendor (`vendor-sync:<vendorId>`), or an admin's request. */
  'vendor-sync': { vendorId: string };
  /** A CONFIRMED order's fulfilment; jobId = `fulfil-<order id>`. */
  'fulfil-order': { orderId: string };
  /**
   * The orders one relay batch confirmed, fulfilled together (one read, one move to FULFILLED for
   * the all-local ones); an order that fails becomes a `fulfil-order` job of its own.
   */
  'fulfil-orders': { orderIds: string[] };
}
export type JobName = keyof JobPayloads;

/**
 * BullMQ priorities (lower runs first): admin work outranks customer work. Every job JobQueues adds
 * carries one (customer unless given), since BullMQ runs jobs without a priority before any
 * prioritised job; only the schedulers' own ticks come without.
 */
export const PRIORITY = { admin: 1, customer: 10 } as const;

/**
 * Per-queue worker settings. A job whose worker dies (or blocks past its lock) "stalls" and is
 * taken over; BullMQ fails it for good after maxStalledCount stalls.
 */
export const QUEUE_SETTINGS: Record<QueueName, { maxStalledCount: number; concurrency: number }> = {
  maintenance: { maxStalledCount: 1, concurrency: 1 },
  outbox: { maxStalledCount: 1, concurrency: 1 },
  // Jobs that run together share their lookups (Notifier) and their move to FULFILLED (Fulfilment),
  // so a burst of confirmations costs a few statements per batch; mail still goes through the
  // mailer's few pooled SMTP connections.
  notifications: { maxStalledCount: 2, concurrency: 16 },
  // Cart refreshes of a popular SKU can take a while; the persister's ticks must not wait behind them.
  carts: { maxStalledCount: 1, concurrency: 4 },
  vendors: { maxStalledCount: 1, concurrency: 16 },
};

/** The longest wait between two attempts of a job with 'capped-exponential' backoff. */
export const BACKOFF_MAX_MS = 15_000;

/** What a job that may fail gets unless it says otherwise: 3 attempts, 1 s then 2 s apart. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1_000 },
  // Kept an hour, so a job added again under the same id meanwhile (a relay re-run) is not run twice.
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 7 * 86_400 },
};

/**
 * A batch job (a relay batch's events or orders, up to 500, so up to a few hundred kB) is kept only
 * a little while once done: its items are idempotent, so a relay re-run that adds it again after
 * it was removed only does its work again, while ten thousand kept batches would fill Redis.
 */
const BATCH_JOB_OPTIONS: JobsOptions = { ...DEFAULT_JOB_OPTIONS, removeOnComplete: { age: 3_600, count: 100 } };

/** A scheduled tick: runs again at the next tick, so one failure is logged, not retried nor dead-lettered. */
const TICK_OPTIONS: JobsOptions = { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } };

export interface JobDefinition {
  queue: QueueName;
  options: JobsOptions;
  /** Whether a final failure becomes a dead letter (a failed_jobs row and an alert). */
  deadLetter: boolean;
}

export const JOBS: { [N in JobName]: JobDefinition } = {
  'expire-reservations': { queue: 'maintenance', options: TICK_OPTIONS, deadLetter: false },
  'record-dead-letters': { queue: 'maintenance', options: TICK_OPTIONS, deadLetter: false },
  'relay-outbox': { queue: 'outbox', options: TICK_OPTIONS, deadLetter: false },
  notify: { queue: 'notifications', options: DEFAULT_JOB_OPTIONS, deadLetter: true },
  // Its items' failures go on as jobs of their own; the batch fails only when it cannot queue them.
  'notify-batch': { queue: 'notifications', options: BATCH_JOB_OPTIONS, deadLetter: true },
  'send-email': { queue: 'notifications', options: DEFAULT_JOB_OPTIONS, deadLetter: true },
  'persist-carts': { queue: 'carts', options: TICK_OPTIONS, deadLetter: false },
  'reconcile-carts': { queue: 'carts', options: TICK_OPTIONS, deadLetter: false },
  'watch-cart-stock': { queue: 'carts', options: TICK_OPTIONS, deadLetter: false },
  'remind-abandoned-carts': { queue: 'carts', options: TICK_OPTIONS, deadLetter: false },
  // A catalog change must reach every cart: retried for about a minute, then a dead letter.
  'refresh-carts': {
    queue: 'carts',
    options: { ...DEFAULT_JOB_OPTIONS, attempts: 8, backoff: { type: 'capped-exponential', delay: 500 }, removeOnComplete: true },
    deadLetter: true,
  },
  // A vendor fault is an outcome, not a failure: only our own stores being away fails a sync, and
  // the next tick is as good as a retry.
  'recount-deferred': { queue: 'vendors', options: TICK_OPTIONS, deadLetter: false },
  'vendor-sync': {
    queue: 'vendors',
    options: { attempts: 2, backoff: { type: 'capped-exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: { count: 100 } },
    deadLetter: false,
  },
  // Vendor faults are retried for a minute or more (60 s of waits, plus each attempt's own vendor
  // timeouts) before the job becomes a dead letter.
  'fulfil-order': {
    queue: 'vendors',
    options: { ...DEFAULT_JOB_OPTIONS, attempts: 8, backoff: { type: 'capped-exponential', delay: 1_000 } },
    deadLetter: true,
  },
  'fulfil-orders': { queue: 'vendors', options: BATCH_JOB_OPTIONS, deadLetter: true },
};

export const isJobName = (name: string): name is JobName => Object.hasOwn(JOBS, name);

/** Exponential backoff from the job's delay, capped, for the 'capped-exponential' type. */
export function cappedExponentialBackoff(attemptsMade: number, baseDelayMs: number): number {
  return Math.min(baseDelayMs * 2 ** Math.max(0, attemptsMade - 1), BACKOFF_MAX_MS);
}
