import { type Coalescer, coalescedLookups } from '../../lib/coalescer.js';
import { notFound } from '../../lib/errors.js';
import type { Page } from '../../lib/http-schemas.js';
import { isDependencyUnavailable } from '../../lib/infrastructure-errors.js';
import type { StockStore } from '../../redis/stock-store.js';
import { type AuthUser, isAdmin } from '../auth/auth.types.js';
import type { OrderOwners } from './order-owners.js';
import { orderFromSnapshot, parseSnapshot } from './order-snapshot.js';
import type { OrderSearch, OrdersRepository } from './orders.repository.js';
import type { AdminOrderListQuery, Order, OrderListQuery } from './orders.schemas.js';

export interface OrderQueriesDeps {
  repository: Pick<OrdersRepository, 'findMany' | 'search'>;
  stock: Pick<StockStore, 'readReservation'>;
  owners: Pick<OrderOwners, 'owns'>;
}

/** Most orders one read of Postgres carries. */
const MAX_READ_BATCH = 100;

/** Orders as their owners and admins read them. */
export class OrderQueries {
  /**
   * The orders read in one event-loop turn, in one query: buyers watching their order after paying
   * (a flash sale's hundred winners at once) would otherwise cost Postgres a query each.
   */
  private readonly reads: Coalescer<string, (Order & { userId: string }) | undefined>;

  constructor(private readonly deps: OrderQueriesDeps) {
    this.reads = coalescedLookups((orderIds) => deps.repository.findMany(orderIds), { maxBatch: MAX_READ_BATCH, maxInFlight: 2 });
  }

  /**
   * An order as its owner (or an admin) sees it. Until it is stored, or while Postgres cannot be
   * reached, it is read from its Redis reservation: an order is readable the moment it is accepted.
   * Another user's order is not found, so ids cannot be probed; a guest session's that the caller's
   * account adopted is the caller's.
   */
  async get(user: AuthUser, orderId: string): Promise<Order> {
    let databaseError: unknown;
    try {
      const order = await this.reads.submit(orderId);
      if (order) {
        if (!isAdmin(user) && !(await this.deps.owners.owns(user, order.userId))) throw notFound('order', { orderId });
        const { userId: _owner, ...visible } = order;
        return visible;
      }
    } catch (error) {
      if (!isDependencyUnavailable(error)) throw error;
      databaseError = error;
    }
    const snapshot = parseSnapshot(await this.deps.stock.readReservation(orderId));
    if (snapshot && (isAdmin(user) || (await this.deps.owners.owns(user, snapshot.userId)))) return orderFromSnapshot(snapshot);
    if (databaseError) throw databaseError;
    throw notFound('order', { orderId });
  }

  /**
   * The caller's orders (an account's include those of the guest sessions it adopted), or with no
   * caller every order (admin), those a search term names if one is given.
   */
  async list(query: OrderListQuery & Pick<AdminOrderListQuery, 'q'>, user?: AuthUser): Promise<Page<Order>> {
    const search: OrderSearch = {
      userId: user?.id,
      status: query.status,
      ...query.q,
      offset: (query.page - 1) * query.limit,
      limit: query.limit,
    };
    const { items, total } = await this.deps.repository.search(search);
    return { items, page: query.page, limit: query.limit, total };
  }
}
