import { type SelectQueryBuilder, sql } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import { type Db, type Executor, prepareOnce, type RidingWrite, runWrites, type Tx } from '../../db/database.js';
import type { Actor, Database, OrderHistoryRow, OrderLineRow, OrderRow, OrderStatus, PaymentRow } from '../../db/schema.js';
import type { Order, ShippingAddress } from './orders.schemas.js';

export interface OrderState {
  userId: string;
  status: OrderStatus;
  createdAt: Date;
  confirmedAt: Date | null;
}

/** One status change to write: the order still has `from` (its row is locked), and becomes `to`. */
export interface StatusChange {
  orderId: string;
  from: OrderStatus;
  to: OrderStatus;
  reason: string | null;
  actor: Actor;
  /** When it happened (ISO 8601): its history entry's time, and what its outbox event and push say. */
  at: string;
}

/** One line of an order, as a ledger move needs it. */
export interface OrderLineQuantity {
  orderId: string;
  sku: string;
  quantity: number;
}

/** 32 hexadecimal digits written as a UUID. */
const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

export interface OrderSearch {
  userId?: string | undefined;
  status?: OrderStatus | undefined;
  /** Orders confirmed to this address (lower case). */
  customerEmail?: string | undefined;
  /** Orders whose id starts with these hexadecimal digits (no dashes). */
  idStart?: string | undefined;
  offset: number;
  limit: number;
}

/** An order row with its lines and history, as `withDetails` reads them. */
interface OrderWithDetails extends OrderRow {
  lines: Pick<OrderLineRow, 'sku' | 'title' | 'quantity' | 'unitPriceCents'>[];
  history: (Pick<OrderHistoryRow, 'status' | 'reason' | 'actor'> & { at: string })[];
  payment: Pick<PaymentRow, 'status' | 'amountCents' | 'currency' | 'refundStatus'> | null;
}

function toOrder(row: OrderWithDetails): Order {
  return {
    id: row.id,
    status: row.status,
    items: row.lines.map((line) => ({
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
    history: row.history.map((entry) => ({
      status: entry.status,
      at: entry.at,
      ...(entry.reason ? { reason: entry.reason } : {}),
      actor: entry.actor,
    })),
    ...(row.payment
      ? {
          payment: {
            status: row.payment.status,
            amountCents: row.payment.amountCents,
            currency: row.payment.currency,
            ...(row.payment.refundStatus ? { refund: row.payment.refundStatus } : {}),
          },
        }
      : {}),
  };
}

export class OrdersRepository {
  constructor(private readonly db: Db) {}

  findState(orderId: string, executor: Executor = this.db): Promise<OrderState | undefined> {
    return executor.selectFrom('orders').select(['userId', 'status', 'createdAt', 'confirmedAt']).where('id', '=', orderId).executeTakeFirst();
  }

  /**
   * Locks orders in id order, the order every transaction that changes orders takes them in, and
   * reads their status under the lock: no other transaction changes them until this one ends.
   */
  async lockStates(tx: Tx, orderIds: readonly string[]): Promise<Map<string, { status: OrderStatus; userId: string; expiresAt: Date }>> {
    if (orderIds.length === 0) return new Map();
    // An id array rather than an IN list: one text whatever the batch's size, so it is prepared once.
    const { rows } = await sql<{ id: string; status: OrderStatus; userId: string; expiresAt: Date }>`${prepareOnce}
      SELECT id, status, user_id AS "userId", expires_at AS "expiresAt"
      FROM orders WHERE id = ANY(${[...orderIds]}::uuid[]) ORDER BY id FOR UPDATE
    `.execute(tx);
    return new Map(rows.map((row) => [row.id, { status: row.status, userId: row.userId, expiresAt: row.expiresAt }]));
  }

  /**
   * Applies status changes, each guarded by its expected status, with their history entries, in one
   * statement, which also carries `riding`, the writes that go with them (their outbox events, a
   * caller's own). Returns the ids it changed, and the lines of those orders (for their ledger moves).
   */
  async changeStatuses(
    tx: Tx,
    changes: readonly StatusChange[],
    riding: readonly RidingWrite[] = [],
  ): Promise<{ changed: Set<string>; lines: OrderLineQuantity[] }> {
    if (changes.length === 0) {
      await runWrites(tx, riding);
      return { changed: new Set(), lines: [] };
    }
    const { rows } = await sql<{ id: string; sku: string; quantity: number }>`${prepareOnce}
      WITH change AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(changes)}::jsonb)
          AS c("orderId" uuid, "from" text, "to" text, reason text, actor text, at timestamptz)
      ), changed AS (
        UPDATE orders AS o
        SET status = change."to", updated_at = now(),
            confirmed_at = CASE WHEN change."to" = 'CONFIRMED' THEN now() ELSE o.confirmed_at END
        FROM change
        -- The id list lets the planner fetch each order by its key, whatever it guesses of the JSON.
        WHERE o.id = ANY(${changes.map((change) => change.orderId)}::uuid[]) AND o.id = change."orderId" AND o.status = change."from"
        RETURNING o.id
      ), entries AS (
        INSERT INTO order_history (order_id, status, reason, actor, at)
        SELECT change."orderId", change."to", change.reason, change.actor, change.at
        FROM change JOIN changed ON changed.id = change."orderId"
        ORDER BY change."orderId"
      )${riding.length > 0 ? sql`, ${sql.join(riding)}` : sql``}
      SELECT changed.id::text AS id, line.sku, line.quantity
      FROM changed JOIN order_lines AS line ON line.order_id = changed.id
    `.execute(tx);
    return {
      changed: new Set(rows.map((row) => row.id)),
      lines: rows.map((row) => ({ orderId: row.id, sku: row.sku, quantity: row.quantity })),
    };
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

  /** One order with its lines and history, in one query. */
  async find(orderId: string): Promise<(Order & { userId: string }) | undefined> {
    return (await this.findMany([orderId])).get(orderId);
  }

  /** Orders with their owners, by id, in one query; an id not stored is absent. */
  async findMany(orderIds: readonly string[]): Promise<Map<string, Order & { userId: string }>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.withDetails()
      .where('orders.id', 'in', [...orderIds])
      .execute();
    return new Map(rows.map((row) => [row.id, { ...toOrder(row), userId: row.userId }]));
  }

  /** A page of orders, each with its lines and history, in one query (and one for the count). */
  async search(search: OrderSearch): Promise<{ items: Order[]; total: number }> {
    let matching = this.db.selectFrom('orders');
    const { userId } = search;
    if (userId) {
      // The caller's own, and those of the guest sessions the caller's account adopted (order-owners.ts),
      // as one array made first: `= ANY` of it is the orders_by_user index's, where `user_id = $1 OR
      // user_id IN (SELECT …)` made Postgres read every order.
      matching = matching.where(
        sql<boolean>`orders.user_id = ANY(ARRAY[${userId}::uuid] || ARRAY(SELECT guest_id FROM guest_adoptions WHERE user_id = ${userId}))`,
      );
    }
    if (search.status) matching = matching.where('orders.status', '=', search.status);
    if (search.customerEmail) matching = matching.where('orders.customerEmail', '=', search.customerEmail);
    if (search.idStart) {
      // The ids between the start padded with 0s and with fs: a range the primary key's index serves.
      const [low, high] = [search.idStart.padEnd(32, '0'), search.idStart.padEnd(32, 'f')].map(asUuid);
      matching = matching.where('orders.id', '>=', low!).where('orders.id', '<=', high!);
    }
    const [rows, count] = await Promise.all([
      this.withDetails(matching).orderBy('orders.createdAt', 'desc').orderBy('orders.id').offset(search.offset).limit(search.limit).execute(),
      matching.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toOrder), total: count.total };
  }

  /**
   * Orders (those `from` selects) with their lines (by SKU) and history (in order) as JSON arrays,
   * each entry's time as the API writes it, and their payment (at most one per order) as an object.
   */
  private withDetails(from: SelectQueryBuilder<Database, 'orders', object> = this.db.selectFrom('orders')) {
    return from.selectAll('orders').select((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('orderLines')
          .select(['sku', 'title', 'quantity', 'unitPriceCents'])
          .whereRef('orderLines.orderId', '=', 'orders.id')
          .orderBy('sku'),
      ).as('lines'),
      jsonArrayFrom(
        eb
          .selectFrom('orderHistory')
          .select(['status', 'reason', 'actor', sql<string>`to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as('at')])
          .whereRef('orderHistory.orderId', '=', 'orders.id')
          .orderBy('orderHistory.id'),
      ).as('history'),
      jsonObjectFrom(
        eb
          .selectFrom('payments')
          .select(['payments.status', 'payments.amountCents', 'payments.currency', 'payments.refundStatus'])
          .whereRef('payments.orderId', '=', 'orders.id'),
      ).as('payment'),
    ]);
  }
}
