import { sql } from 'kysely';
import type { Db, Executor, Tx } from '../../db/database.js';
import type { OrderHistoryRow, OrderLineRow, OrderRow, OrderStatus } from '../../db/schema.js';
import type { Order, OrderSnapshot, ShippingAddress } from './orders.types.js';

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

/** Orders name a SKU that has no ledger row: nothing was written. */
export class MissingLedgerRowError extends Error {
  constructor(orderIds: string[]) {
    super(`orders ${orderIds.join(', ')} name a SKU without a ledger row`);
  }
}

export class OrdersRepository {
  constructor(private readonly db: Db) {}

  /**
   * Writes an accepted order as PENDING with its lines and first history entry. Idempotent on the
   * order id: false when the order is already there.
   */
  async insert(tx: Tx, snapshot: OrderSnapshot): Promise<boolean> {
    const inserted = await tx
      .insertInto('orders')
      .values({
        id: snapshot.id,
        userId: snapshot.userId,
        status: 'PENDING',
        totalCents: snapshot.totalCents,
        currency: snapshot.currency,
        customerEmail: snapshot.customerEmail,
        shippingAddress: snapshot.shippingAddress ? JSON.stringify(snapshot.shippingAddress) : null,
        idempotencyKeyHash: snapshot.idempotencyKeyHash,
        createdAt: snapshot.createdAt,
        expiresAt: snapshot.expiresAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return false;
    await tx
      .insertInto('orderLines')
      .values(snapshot.items.map((item) => ({ orderId: snapshot.id, ...item })))
      .execute();
    await this.addHistory(tx, snapshot.id, 'PENDING', null, snapshot.createdAt);
    return true;
  }

  /**
   * Writes accepted orders whose reservations are claimed, in one transaction of one statement: each
   * user's row if it is gone (the token was signed by us, so its subject is real even after a
   * restore), each order, its lines and first history entry, and `reserved += quantity` on the
   * ledger row of every SKU the new orders name. Idempotent on the order ids; a CHECK violation on
   * the ledger, or any order Postgres refuses, aborts it all.
   *
   * Locks are taken as every other transaction takes them, so none can deadlock with it: orders
   * first (in id order), then ledger rows (in SKU order). Postgres runs the parts of one statement
   * in no promised order; this one holds because the ledger rows to lock are computed from what the
   * order insert returned, so every order is inserted before the first ledger row is locked.
   *
   * Returns the ids it inserted; the others were there already.
   */
  insertReserved(snapshots: OrderSnapshot[]): Promise<Set<string>> {
    const orders = JSON.stringify(snapshots);
    return this.db.transaction().execute(async (tx) => {
      const result = await sql<{ inserted: string[]; skus: number; reserved: number }>`
        WITH incoming AS (
          SELECT * FROM jsonb_to_recordset(${orders}::jsonb) AS o(
            id uuid, "userId" uuid, "totalCents" bigint, currency text, "customerEmail" text, "shippingAddress" jsonb,
            "idempotencyKeyHash" text, "createdAt" timestamptz, "expiresAt" timestamptz, items jsonb)
        ), owner AS (
          INSERT INTO users (id, role) SELECT DISTINCT "userId", 'guest' FROM incoming ORDER BY "userId"
          ON CONFLICT (id) DO NOTHING
        ), new_order AS (
          INSERT INTO orders (id, user_id, status, total_cents, currency, customer_email, shipping_address,
                              idempotency_key_hash, created_at, expires_at)
          SELECT id, "userId", 'PENDING', "totalCents", currency, "customerEmail", "shippingAddress",
                 "idempotencyKeyHash", "createdAt", "expiresAt"
          FROM incoming ORDER BY id
          ON CONFLICT (id) DO NOTHING
          RETURNING id, created_at
        ), new_line AS (
          SELECT new_order.id AS order_id, l.*
          FROM new_order JOIN incoming USING (id),
               jsonb_to_recordset(incoming.items) AS l(sku text, title text, quantity int, "unitPriceCents" int)
        ), lines AS (
          INSERT INTO order_lines (order_id, sku, title, quantity, unit_price_cents)
          SELECT order_id, sku, title, quantity, "unitPriceCents" FROM new_line
        ), first_entry AS (
          INSERT INTO order_history (order_id, status, at) SELECT id, 'PENDING', created_at FROM new_order
        ), added AS (
          SELECT sku, sum(quantity)::int AS quantity FROM new_line GROUP BY sku
        ), ledger AS (
          SELECT sku FROM inventory WHERE sku IN (SELECT sku FROM added) ORDER BY sku FOR UPDATE
        ), reserve AS (
          UPDATE inventory SET reserved = inventory.reserved + added.quantity, updated_at = now()
          FROM added, ledger
          WHERE inventory.sku = added.sku AND ledger.sku = added.sku
          RETURNING inventory.sku
        )
        SELECT ARRAY(SELECT id::text FROM new_order) AS inserted,
               (SELECT count(*)::int FROM added) AS skus,
               (SELECT count(*)::int FROM reserve) AS reserved
      `.execute(tx);
      const { inserted, skus, reserved } = result.rows[0]!;
      // Every product has its ledger row from its creation on, and products are only soft-deleted.
      if (reserved !== skus) throw new MissingLedgerRowError(inserted);
      return new Set(inserted);
    });
  }

  /** Makes sure the order's user has a row (a guest row when it is gone), so the order can refer to it. */
  async ensureUser(tx: Tx, userId: string): Promise<void> {
    await tx
      .insertInto('users')
      .values({ id: userId, role: 'guest' })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async addHistory(tx: Tx, orderId: string, status: OrderStatus, reason: string | null, at?: string): Promise<void> {
    await tx
      .insertInto('orderHistory')
      .values({ orderId, status, reason, ...(at ? { at } : {}) })
      .execute();
  }

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
    await this.addHistory(tx, orderId, to, reason);
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
