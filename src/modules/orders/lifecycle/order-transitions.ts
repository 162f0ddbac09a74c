import type { Logger } from 'pino';
import type { InTransaction } from '../../../db/database.js';
import type { OrderStatus } from '../../../db/schema.js';
import { notFound } from '../../../lib/errors.js';
import type { Metrics } from '../../../lib/metrics.js';
import type { StockStore } from '../../../redis/stock-store.js';
import type { InventoryRepository } from '../../inventory/inventory.repository.js';
import type { OrdersRepository } from '../orders.repository.js';

export interface OrderTransitionsDeps {
  inTransaction: InTransaction;
  orders: Pick<OrdersRepository, 'findState' | 'changeStatus' | 'lines'>;
  inventory: Pick<InventoryRepository, 'sell' | 'release'>;
  stock: Pick<StockStore, 'end'>;
  metrics: Metrics;
  logger: Logger;
}

/** The order state machine: which status may follow which. */
export const ALLOWED_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['CONFIRMED', 'CANCELLED', 'EXPIRED', 'FAILED'],
  CONFIRMED: ['FULFILLED', 'FAILED'],
  FULFILLED: [],
  CANCELLED: [],
  EXPIRED: [],
  FAILED: [],
};

export type StockEffect = 'release' | 'sell' | 'none';

/** Leaving PENDING either sells the reserved units or gives them back. */
function stockEffect(from: OrderStatus, to: OrderStatus): StockEffect {
  if (from !== 'PENDING') return 'none';
  return to === 'CONFIRMED' ? 'sell' : 'release';
}

export type TransitionResult = { changed: true; status: OrderStatus } | { changed: false; status: OrderStatus };

/**
 * Applies one status change: a guarded update in Postgres (`WHERE status = <current>`) with its
 * ledger move and history entry in one transaction, then the matching Redis step. Of two racing
 * callers exactly one changes the order; the other is told the status it lost to.
 */
export class OrderTransitions {
  constructor(private readonly deps: OrderTransitionsDeps) {}

  async apply(orderId: string, to: OrderStatus, options: { from?: OrderStatus; reason?: string } = {}): Promise<TransitionResult> {
    const { orders, inventory, stock, metrics, logger } = this.deps;
    const result = await this.deps.inTransaction(async (tx) => {
      const state = await orders.findState(orderId, tx);
      if (!state) throw notFound('order', { orderId });
      const from = state.status;
      if ((options.from && from !== options.from) || !ALLOWED_TRANSITIONS[from].includes(to)) {
        return { changed: false as const, status: from, effect: 'none' as const };
      }
      if (!(await orders.changeStatus(tx, orderId, from, to, options.reason ?? null))) {
        const now = await orders.findState(orderId, tx);
        return { changed: false as const, status: now?.status ?? from, effect: 'none' as const };
      }
      const effect = stockEffect(from, to);
      if (effect !== 'none') {
        const lines = await orders.lines(orderId, tx);
        await (effect === 'sell' ? inventory.sell(tx, orderId, lines) : inventory.release(tx, lines));
      }
      return { changed: true as const, status: to, effect };
    });
    // The change has committed: the caller is told so even if this step fails. A lost step (a
    // crash, Redis down) is finished by the sweeper from the order's status.
    if (result.effect !== 'none') {
      const mode = result.effect === 'sell' ? 'consume' : 'release';
      try {
        if ((await stock.end(orderId, mode)) === 'ended') metrics.stockReleases.inc({ mode });
      } catch (error) {
        logger.warn({ orderId, mode, err: error }, 'reservation not ended after the status change; the sweeper will');
      }
    }
    return { changed: result.changed, status: result.status };
  }
}
