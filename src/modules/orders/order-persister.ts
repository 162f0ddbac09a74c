import type { Logger } from 'pino';
import type { Db } from '../../db/database.js';
import type { Metrics } from '../../lib/metrics.js';
import type { StockStore } from '../../redis/stock-store.js';
import { CHECK_VIOLATION, type InventoryRepository } from '../inventory/inventory.repository.js';
import type { OrdersRepository } from './orders.repository.js';
import type { OrderSnapshot } from './orders.types.js';

export type PersistOutcome = 'persisted' | 'already-persisted' | 'refused-by-ledger' | 'reservation-lost';

/**
 * Writes an accepted order to Postgres: the order, its lines, its history and `reserved += qty`, in
 * one transaction that is idempotent on the order id. Run by the persist job, and inline by a cancel
 * that arrives before the job.
 */
export class OrderPersister {
  constructor(
    private readonly db: Db,
    private readonly orders: OrdersRepository,
    private readonly inventory: InventoryRepository,
    private readonly stock: StockStore,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  async persist(snapshot: OrderSnapshot): Promise<PersistOutcome> {
    // Claiming first means the sweeper can no longer release the reservation as an orphan.
    const claimed = await this.stock.claim(snapshot.id);
    let outcome: PersistOutcome;
    try {
      outcome = await this.db.transaction().execute(async (tx) => {
        if (!(await this.orders.insert(tx, snapshot, 'PENDING'))) return 'already-persisted';
        if (!claimed) {
          await this.orders.changeStatus(tx, snapshot.id, 'PENDING', 'FAILED', 'the reservation was released before the order was stored');
          return 'reservation-lost';
        }
        await this.inventory.reserve(tx, snapshot.items);
        return 'persisted';
      });
    } catch (error) {
      if ((error as { code?: string }).code !== CHECK_VIOLATION) throw error;
      outcome = await this.refuse(snapshot);
    }
    if (outcome === 'persisted') this.metrics.ordersPersisted.inc({ status: 'PENDING' });
    if (outcome === 'reservation-lost' || outcome === 'refused-by-ledger') {
      this.metrics.ordersPersisted.inc({ status: 'FAILED' });
      this.logger.error({ orderId: snapshot.id, outcome }, 'accepted order could not hold its stock and failed');
    }
    return outcome;
  }

  /**
   * The ledger refused `reserved += qty`: Redis had admitted more than Postgres holds. The order is
   * recorded as FAILED and its units go back to the gate they came from.
   */
  private async refuse(snapshot: OrderSnapshot): Promise<PersistOutcome> {
    const written = await this.db.transaction().execute(async (tx) => {
      if (!(await this.orders.insert(tx, snapshot, 'PENDING'))) return false;
      await this.orders.changeStatus(tx, snapshot.id, 'PENDING', 'FAILED', 'the stock ledger refused the reservation (stock drift)');
      return true;
    });
    if (!written) return 'already-persisted';
    await this.stock.end(snapshot.id, 'release');
    return 'refused-by-ledger';
  }
}
