import type { Logger } from 'pino';
import type { InTransaction } from '../../db/database.js';
import type { Metrics } from '../../lib/metrics.js';
import type { CartStore } from '../../redis/cart-store.js';
import type { OutboxRepository } from '../outbox/outbox.repository.js';
import type { NewOutboxEvent } from '../outbox/outbox-events.js';
import type { CartRemindersRepository, ClaimedCart, ReminderCursor } from './cart-reminders.repository.js';

export interface AbandonedCartsDeps {
  inTransaction: InTransaction;
  repository: Pick<CartRemindersRepository, 'waiting' | 'claim'>;
  store: Pick<CartStore, 'readMany'>;
  outbox: Pick<OutboxRepository, 'append'>;
  metrics: Metrics;
  logger: Logger;
  /** How long a cart must go untouched by its owner to be abandoned. */
  abandonedAfterMs: number;
  /** Carts read, checked and claimed per transaction. */
  batchSize?: number;
}

export interface RemindResult {
  /** Carts whose owner will get a reminder (a `cart.abandoned` event written). */
  reminded: number;
  /** Abandoned carts of owners with no address (guests): decided, no mail. */
  withoutAddress: number;
  /** Abandoned carts of owners who turned reminders off: decided, no mail. */
  optedOut: number;
  /** Carts whose snapshot is behind Redis: left for a later run, once the persister has caught up. */
  deferred: number;
}

const DEFAULT_BATCH_SIZE = 500;
/** Batches one run takes at most, so a scheduled tick stays short; the rest waits for the next. */
const MAX_BATCHES_PER_RUN = 20;

/**
 * Finds carts with lines that their owner has not touched for `abandonedAfterMs` and writes one
 * `cart.abandoned` outbox event per owner's change, in the transaction that records the decision;
 * the notifier turns it into the reminder mail. Runs on a schedule (a BullMQ job scheduler: once
 * however many workers run); two runs side by side are harmless, since a cart is claimed once.
 *
 * Candidates come from the Postgres snapshots (an index of the carts still waiting); a cart whose
 * live copy in Redis is at another version has changes the persister has not written yet, perhaps
 * the owner's: it is left for a later run rather than reminded from an old snapshot.
 *
 * Only an account's address is written to. A guest cart's owner has none: an address a guest gave
 * with an order was given for that order's mail, and an order from the cart empties it anyway. Such
 * carts are claimed without an event, so they leave the index until their owner changes them again;
 * so are those of owners who turned reminders off (a reminder's unsubscribe link).
 */
export class AbandonedCarts {
  private readonly batchSize: number;

  constructor(private readonly deps: AbandonedCartsDeps) {
    this.batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  /** Decides every cart abandoned as of `nowMs` (up to a bounded number per run). */
  async remind(nowMs: number = Date.now()): Promise<RemindResult> {
    const { inTransaction, repository, store, outbox, metrics } = this.deps;
    const cutoff = new Date(nowMs - this.deps.abandonedAfterMs);
    const result: RemindResult = { reminded: 0, withoutAddress: 0, optedOut: 0, deferred: 0 };
    let cursor: ReminderCursor | undefined;
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
      const candidates = await repository.waiting(cutoff, cursor, this.batchSize);
      if (candidates.length === 0) break;
      const last = candidates.at(-1)!;
      cursor = { touchedAt: last.touchedAt, userId: last.userId };
      const live = await store.readMany(candidates.map((candidate) => candidate.userId));
      const current = candidates.filter((candidate, i) => {
        const inRedis = live[i];
        return !inRedis || inRedis.version === candidate.version;
      });
      result.deferred += candidates.length - current.length;
      const owners = new Map(current.map((candidate) => [candidate.userId, candidate]));
      const claimed = await inTransaction(async (tx) => {
        const carts = await repository.claim(tx, current, cutoff);
        const mailed: ClaimedCart[] = [];
        let optedOut = 0;
        for (const cart of carts) {
          const owner = owners.get(cart.userId);
          if (owner?.email && owner.optedOut) optedOut++;
          else if (owner?.email) mailed.push(cart);
        }
        const events: NewOutboxEvent[] = mailed.map((cart) => ({
          type: 'cart.abandoned',
          orderId: null,
          payload: {
            userId: cart.userId,
            version: cart.version,
            currency: cart.currency ?? '',
            lines: cart.lines,
            touchedAt: cart.touchedAt.toISOString(),
          },
        }));
        await outbox.append(tx, events);
        return { carts: carts.length, events: events.length, optedOut };
      });
      result.reminded += claimed.events;
      result.optedOut += claimed.optedOut;
      result.withoutAddress += claimed.carts - claimed.events - claimed.optedOut;
      if (candidates.length < this.batchSize) break;
    }
    metrics.cartReminders.inc({ outcome: 'reminded' }, result.reminded);
    metrics.cartReminders.inc({ outcome: 'no_address' }, result.withoutAddress);
    metrics.cartReminders.inc({ outcome: 'opted_out' }, result.optedOut);
    if (result.reminded + result.withoutAddress + result.optedOut + result.deferred > 0) this.deps.logger.info(result, 'abandoned carts decided');
    return result;
  }
}
