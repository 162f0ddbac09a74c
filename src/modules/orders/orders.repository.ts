import { sql } from 'kysely';
import type { Db, Executor, Tx } from '../../db/database.js';
import type { OrderHistoryRow, OrderLineRow, OrderRow, OrderStatus } from '../../db/schema.js';
import type { Order, ShippingAddress } from './orders.schemas.js';

export interface OrderState {
  userId: string;
  status: OrderStatus;
  createdAt: Date;
  confirmedAt: Date | null;
}

export interface OrderSearch {
  userId?: string | undefined;
  status?: OrderStatus | undefined;
  offset: number;
  limit: number;
}

function toOrder(row: OrderRow, lines: OrderLineRow[], history: OrderHistoryRow[]): Order {
  return {
    id: row.id,
    status: row.status,
    items: lines.map((line) => ({
      sku: line.sku,
      title: line.title,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
    })),
    totalCents: row.totalCents,
    currency: row.currency,
    ...(row.customerEmail ? { customerEmail: row.customerEmail } : {}),
    ...(row.shippingAddress ? { shippingAddress: row.shippingAddress as ShippingAddress } : {}),
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    history: history.map((entry) => ({
      status: entry.status,
      at: entry.at.toISOString(),
      ...(entry.reason ? { reason: entry.reason } : {}),
    })),
  };
}

export class OrdersRepository {
  constructor(private readonly db: Db) {}

  findState(orderId: string, executor: Executor = this.db): Promise<OrderState | undefined> {
    return executor.selectFrom('orders').select(['userId', 'status', 'createdAt', 'confirmedAt']).where('id', '=', orderId).executeTakeFirst();
  }

  /** Moves an order from one status to another only if it still has the first; false otherwise. */
  async changeStatus(tx: Tx, orderId: string, from: OrderStatus, to: OrderStatus, reason: string | null): Promise<boolean> {
    const changed = await tx
      .updateTable('orders')
      .set({ status: to, updatedAt: sql`now()`, ...(to === 'CONFIRMED' ? { confirmedAt: sql`now()` } : {}) })
      .where('id', '=', orderId)
      .where('status', '=', from)
      .returning('id')
      .executeTakeFirst();
    if (!changed) return false;
    await tx.insertInto('orderHistory').values({ orderId, status: to, reason }).execute();
    return true;
  }

  lines(orderId: string, executor: Executor = this.db) {
    return executor.selectFrom('orderLines').select(['sku', 'quantity']).where('orderId', '=', orderId).orderBy('sku').execute();
  }

  async expiredPending(now: Date, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('orders')
      .select('id')
      .where('status', '=', 'PENDING')
      .where('expiresAt', '<=', now)
      .orderBy('expiresAt')
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }

  async find(orderId: string): Promise<(Order & { userId: string }) | undefined> {
    const row = await this.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
    if (!row) return undefined;
    const [order] = await this.withDetails([row]);
    return { ...order!, userId: row.userId };
  }

  async search(search: OrderSearch): Promise<{ items: Order[]; total: number }> {
    let query = this.db.selectFrom('orders');
    if (search.userId) query = query.where('userId', '=', search.userId);
    if (search.status) query = query.where('status', '=', search.status);
    const [rows, count] = await Promise.all([
      query.selectAll().orderBy('createdAt', 'desc').orderBy('id').offset(search.offset).limit(search.limit).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { items: await this.withDetails(rows), total: count.total };
  }

  private async withDetails(rows: OrderRow[]): Promise<Order[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const [lines, history] = await Promise.all([
      this.db.selectFrom('orderLines').selectAll().where('orderId', 'in', ids).orderBy('sku').execute(),
      this.db.selectFrom('orderHistory').selectAll().where('orderId', 'in', ids).orderBy('id').execute(),
    ]);
    return rows.map((row) =>
      toOrder(
        row,
        lines.filter((line) => line.orderId === row.id),
        history.filter((entry) => entry.orderId === row.id),
      ),
    );
  }
}
