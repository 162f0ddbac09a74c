import { sql } from 'kysely';
import type { Db, Executor, Tx } from '../../db/database.js';
import type { FulfilmentLineStatus, OrderStatus } from '../../db/schema.js';

export interface FulfilmentLine {
  sku: string;
  localQuantity: number;
  vendorQuantity: number;
  status: FulfilmentLineStatus;
}

/**
 * A part of an order line ordered from one vendor: placed (`vendorOrderId` set) or being placed (an
 * intent, see Fulfilment). A line's vendor units may be split over several vendors, one part each.
 */
export interface VendorOrderLine {
  sku: string;
  vendorId: string;
  vendorOrderId: string | null;
  quantity: number;
}

/** Where an order stands for its fulfilment: its status and its lines (none before it is confirmed). */
export interface FulfilmentProgress {
  status: OrderStatus;
  lines: FulfilmentLine[];
}

/** How a confirmed order's lines are being fulfilled: the split and the vendor orders. */
export class FulfilmentRepository {
  constructor(private readonly db: Db) {}

  /** The progress of several orders in one query; an order that does not exist is left out. */
  async progress(orderIds: readonly string[]): Promise<Map<string, FulfilmentProgress>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('orders')
      .leftJoin('fulfilmentLines as line', 'line.orderId', 'orders.id')
      .select(['orders.id', 'orders.status', 'line.sku', 'line.localQuantity', 'line.vendorQuantity', 'line.status as lineStatus'])
      .where('orders.id', 'in', [...orderIds])
      .orderBy('orders.id')
      .orderBy('line.sku')
      .execute();
    const progress = new Map<string, FulfilmentProgress>();
    for (const row of rows) {
      const order = progress.get(row.id) ?? { status: row.status, lines: [] };
      progress.set(row.id, order);
      if (row.sku !== null && row.lineStatus !== null) {
        order.lines.push({ sku: row.sku, localQuantity: row.localQuantity ?? 0, vendorQuantity: row.vendorQuantity ?? 0, status: row.lineStatus });
      }
    }
    return progress;
  }

  vendorOrders(orderId: string): Promise<VendorOrderLine[]> {
    return this.db
      .selectFrom('vendorOrders')
      .select(['sku', 'vendorId', 'vendorOrderId', 'quantity'])
      .where('orderId', '=', orderId)
      .orderBy('sku')
      .execute();
  }

  /**
   * Records that `quantity` of the line is about to be ordered from `vendorId`, before the call: a
   * job that dies during the call finds the intent and asks that same vendor again (idempotent on
   * the line id) before any other, so no unit is ever ordered twice. Recorded under the line's lease
   * (Fulfilment), once the parts read there leave room for it.
   */
  async recordIntent(orderId: string, sku: string, vendorId: string, quantity: number): Promise<void> {
    await this.db
      .insertInto('vendorOrders')
      .values({ orderId, sku, vendorId, quantity, vendorOrderId: null, placedAt: null })
      .onConflict((oc) => oc.columns(['orderId', 'sku', 'vendorId']).doNothing())
      .execute();
  }

  /** The vendor refused the line: the intent goes, so the next vendor may be tried. */
  async dropIntent(orderId: string, sku: string, vendorId: string): Promise<void> {
    await this.db
      .deleteFrom('vendorOrders')
      .where('orderId', '=', orderId)
      .where('sku', '=', sku)
      .where('vendorId', '=', vendorId)
      .where('vendorOrderId', 'is', null)
      .execute();
  }

  /**
   * The vendor took its part of the line: its order id and when, and, once the line's parts add up
   * to its vendor units, the line leaves `pending` in the same transaction, so the recount moves its
   * units from "sold, not yet ordered" to "ordered after the vendor's count" without counting them
   * twice or not at all.
   */
  async recordPlaced(orderId: string, sku: string, vendorId: string, vendorOrderId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      // Postgres's clock, as the counts' `seen_at` (VendorSync): the two are compared, and the
      // workers that write them may each run a little fast or slow.
      await tx
        .updateTable('vendorOrders')
        .set({ vendorOrderId, placedAt: sql`clock_timestamp()` })
        .where('orderId', '=', orderId)
        .where('sku', '=', sku)
        .where('vendorId', '=', vendorId)
        .where('vendorOrderId', 'is', null)
        .execute();
      await tx
        .updateTable('fulfilmentLines as line')
        .set({ status: 'placed', updatedAt: sql`now()` })
        .where('line.orderId', '=', orderId)
        .where('line.sku', '=', sku)
        .where('line.status', '=', 'pending')
        .where(
          'line.vendorQuantity',
          '<=',
          sql<number>`(SELECT coalesce(sum(vo.quantity), 0) FROM vendor_orders AS vo WHERE vo.order_id = ${orderId} AND vo.sku = ${sku} AND vo.placed_at IS NOT NULL)`,
        )
        .execute();
    });
  }

  /**
   * An order an admin took out of CONFIRMED: its lines not yet ordered from a vendor will not be
   * ordered through flashcart, so they stop counting as sold from vendors (`supplyTarget` subtracted
   * them for good): `failed` when the admin failed the order, `placed` (by hand) when they marked it
   * FULFILLED. Inside the caller's transaction, the one that changes the order.
   */
  async settlePending(tx: Tx, orderId: string, status: 'failed' | 'placed'): Promise<void> {
    await tx
      .updateTable('fulfilmentLines')
      .set({ status, updatedAt: sql`now()` })
      .where('orderId', '=', orderId)
      .where('status', '=', 'pending')
      .execute();
  }

  /**
   * A pending line is placed or failed. Only a pending one: a line an admin settled (failing the
   * order, or fulfilling it by hand) while a call was out keeps what the admin made it.
   */
  async setStatus(orderId: string, sku: string, status: FulfilmentLineStatus, executor: Executor = this.db): Promise<void> {
    await executor
      .updateTable('fulfilmentLines')
      .set({ status, updatedAt: sql`now()` })
      .where('orderId', '=', orderId)
      .where('sku', '=', sku)
      .where('status', '=', 'pending')
      .execute();
  }

  /**
   * Where a line stands now, in one read: the order's status, the line's, and the line's parts
   * (undefined for an order that is not).
   */
  async placing(
    orderId: string,
    sku: string,
  ): Promise<{ order: OrderStatus; line: FulfilmentLineStatus | null; parts: VendorOrderLine[] } | undefined> {
    const rows = await this.db
      .selectFrom('orders')
      .leftJoin('fulfilmentLines as line', (join) => join.onRef('line.orderId', '=', 'orders.id').on('line.sku', '=', sku))
      .leftJoin('vendorOrders as part', (join) => join.onRef('part.orderId', '=', 'orders.id').on('part.sku', '=', sku))
      .select(['orders.status', 'line.status as lineStatus', 'part.vendorId', 'part.vendorOrderId', 'part.quantity'])
      .where('orders.id', '=', orderId)
      .execute();
    const [first] = rows;
    if (!first) return undefined;
    const parts = rows.flatMap(({ vendorId, vendorOrderId, quantity }) =>
      vendorId === null || quantity === null ? [] : [{ sku, vendorId, vendorOrderId, quantity }],
    );
    return { order: first.status, line: first.lineStatus, parts };
  }
}
