import type { Logger } from 'pino';
import type { Db } from '../../db/database.js';
import { Coalescer } from '../../lib/coalescer.js';
import type { Metrics } from '../../lib/metrics.js';
import type { StockStore } from '../../redis/stock-store.js';
import { CHECK_VIOLATION } from '../inventory/inventory.repository.js';
import { MissingLedgerRowError, type OrdersRepository } from './orders.repository.js';
import { isSnapshotOf, type OrderSnapshot, parseSnapshot } from './orders.types.js';

/** Most orders one statement writes. */
const MAX_GROUP = 100;

export type PersistOutcome = 'persisted' | 'already-persisted' | 'refused-by-ledger' | 'reservation-lost' | 'unstorable';

/**
 * Postgres errors that no retry can cure: the data itself is refused (SQLSTATE class 22) or breaks
 * a constraint (class 23). A CHECK violation on the ledger is handled on its own (stock drift).
 */
const isPermanent = (error: unknown) => /^2[23]/.test((error as { code?: string }).code ?? '');

/**
 * Writes an accepted order to Postgres: the order, its lines, its history and `reserved += qty`, in
 * one statement that is idempotent on the order id and shared by the orders persisted at the same
 * moment. Run by the persist job, and inline by a cancel that arrives before the job. Every accepted order ends with a row: PENDING, or FAILED with the
 * reason when it cannot hold its stock or cannot be stored as given.
 */
export class OrderPersister {
  constructor(
    private readonly db: Db,
    private readonly orders: OrdersRepository,
    private readonly stock: StockStore,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  async persist(snapshot: OrderSnapshot): Promise<PersistOutcome> {
    // Claiming first means the sweeper can no longer release the reservation as an orphan.
    const claimed = await this.stock.claim(snapshot.id);
    const outcome = claimed ? await this.reservedWrites.submit(snapshot) : await this.writeAlone(snapshot, () => this.insertLost(snapshot));
    if (outcome === 'already-persisted') await this.dropDuplicateReservation(snapshot);
    if (outcome === 'persisted') this.metrics.ordersPersisted.inc({ status: 'PENDING' });
    if (outcome === 'reservation-lost' || outcome === 'refused-by-ledger' || outcome === 'unstorable') {
      this.metrics.ordersPersisted.inc({ status: 'FAILED' });
      this.logger.error({ orderId: snapshot.id, outcome }, 'accepted order could not hold its stock and failed');
    }
    return outcome;
  }

  /**
   * Orders being persisted at the same moment (the persist worker runs many jobs at once) share one
   * statement and one commit: after a flash sale, Postgres takes the burst a group at a time.
   */
  private readonly reservedWrites = new Coalescer<OrderSnapshot, PersistOutcome>((group) => this.insertReservedGroup(group), { maxBatch: MAX_GROUP });

  private async insertReservedGroup(snapshots: OrderSnapshot[]): Promise<Promise<PersistOutcome>[]> {
    const distinct = [...new Map(snapshots.map((snapshot) => [snapshot.id, snapshot])).values()];
    const outcomes = new Map<string, Promise<PersistOutcome>>();
    if (distinct.length > 1) {
      try {
        const inserted = await this.orders.insertReserved(distinct);
        for (const { id } of distinct) outcomes.set(id, Promise.resolve(inserted.has(id) ? 'persisted' : 'already-persisted'));
      } catch (error) {
        // Postgres refused one of them, or its stock, without saying which: each goes on its own
        // below, so only that one fails. Anything else (an outage) fails the group, and each job retries.
        if (!isPermanent(error) && !(error instanceof MissingLedgerRowError)) throw error;
      }
    }
    for (const snapshot of distinct) {
      if (!outcomes.has(snapshot.id))
        outcomes.set(
          snapshot.id,
          this.writeAlone(snapshot, () => this.insertReserved(snapshot)),
        );
    }
    // The same order twice (a cancel persisting it inline while its job runs in this process) is
    // written once: the first caller wrote it, the others find it there.
    const answered = new Set<string>();
    return snapshots.map((snapshot) => {
      const outcome = outcomes.get(snapshot.id)!;
      if (answered.has(snapshot.id)) return outcome.then((first) => (first === 'persisted' ? 'already-persisted' : first));
      answered.add(snapshot.id);
      return outcome;
    });
  }

  /** One order with its stock reserved in the ledger. */
  private async insertReserved(snapshot: OrderSnapshot): Promise<PersistOutcome> {
    const inserted = await this.orders.insertReserved([snapshot]);
    return inserted.has(snapshot.id) ? 'persisted' : 'already-persisted';
  }

  /** One order's write, where what Postgres refuses ends the order as FAILED instead of retrying. */
  private async writeAlone(snapshot: OrderSnapshot, write: () => Promise<PersistOutcome>): Promise<PersistOutcome> {
    try {
      return await write();
    } catch (error) {
      if ((error as { code?: string }).code === CHECK_VIOLATION) {
        // The ledger refused: Redis had admitted units Postgres does not have. They are not given
        // back to the gate, which is too high by at least this much; consuming them heals it.
        return this.recordFailed(snapshot, 'the stock ledger refused the reservation (stock drift)', 'consume');
      }
      if (isPermanent(error)) {
        this.logger.error({ orderId: snapshot.id, err: error }, 'accepted order cannot be stored as given');
        return this.recordFailed(snapshot, 'the order could not be stored', 'release');
      }
      throw error;
    }
  }

  /** The reservation was released (as an orphan) before the order was stored: the order fails. */
  private async insertLost(snapshot: OrderSnapshot): Promise<PersistOutcome> {
    const written = await this.insertFailed(snapshot, 'the reservation was released before the order was stored');
    return written ? 'reservation-lost' : 'already-persisted';
  }

  /** Writes the order as PENDING and then FAILED with the reason; false when it was there already. */
  private insertFailed(snapshot: OrderSnapshot, reason: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await this.orders.ensureUser(tx, snapshot.userId);
      if (!(await this.orders.insert(tx, snapshot))) return false;
      await this.orders.changeStatus(tx, snapshot.id, 'PENDING', 'FAILED', reason);
      return true;
    });
  }

  /**
   * Records an accepted order that cannot go on as FAILED, with only what is sure to be storable,
   * and ends its reservation. Also used by the sweeper for an order whose persist job gave up.
   */
  async recordFailed(snapshot: OrderSnapshot, reason: string, mode: 'release' | 'consume'): Promise<PersistOutcome> {
    const written = await this.insertFailed({ ...snapshot, customerEmail: null, shippingAddress: null }, reason);
    if (!written) return 'already-persisted';
    await this.stock.end(snapshot.id, mode);
    return mode === 'consume' ? 'refused-by-ledger' : 'unstorable';
  }

  /**
   * The order id comes from (user, Idempotency-Key). Once Redis has forgotten a key (after its TTL,
   * or an orphan release), the same key reserves again under the same id: that reservation belongs
   * to no order, so its units go back.
   */
  private async dropDuplicateReservation(snapshot: OrderSnapshot): Promise<void> {
    const stored = await this.orders.findState(snapshot.id);
    if (!stored || isSnapshotOf(snapshot, stored.createdAt)) return;
    // Only the reservation this job carries: it must still be the one in Redis.
    const live = parseSnapshot(await this.stock.readReservation(snapshot.id));
    if (live?.createdAt !== snapshot.createdAt) return;
    if ((await this.stock.end(snapshot.id, 'release')) === 'ended') {
      this.logger.warn({ orderId: snapshot.id }, 'released a second reservation made with a forgotten Idempotency-Key');
    }
  }
}
