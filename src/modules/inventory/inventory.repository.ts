import { sql } from 'kysely';
import { containing, type Db, type Executor, prepareOnce, type Tx } from '../../db/database.js';
import type { InventoryRow } from '../../db/schema.js';
import { clearOfLowStock } from './low-stock-alerts.repository.js';

/** What one batch of transitions does to the ledger. */
export interface LedgerMoves {
  /** Reserved units sold: each confirmed order's line. */
  sold: { orderId: string; sku: string; quantity: number }[];
  /** Reserved units given back (cancelled, expired or failed orders), by line. */
  released: { sku: string; quantity: number }[];
}

/** A live product's ledger, with what the admin inventory list shows beside it. */
export interface ProductLedger extends InventoryRow {
  title: string;
  lowStockThreshold: number;
}

export interface LedgerPage {
  offset: number;
  limit: number;
  /** Only the SKUs whose on_hand + vendor_on_hand - reserved is at or under their product's low-stock threshold. */
  low: boolean;
  /** Only the SKUs whose SKU or title contains this, case aside; undefined: every SKU. */
  q: string | undefined;
}

/**
 * Locks SKUs' ledger rows, in SKU order, in a statement of its own: a statement that changes them
 * must come after it. Under READ COMMITTED, Postgres checks a CHECK constraint on the row version
 * the writing statement's snapshot saw before it notices a newer committed one, so a statement that
 * locked and wrote in one go, having waited for the lock, was refused on a version that no longer
 * held (stock added by the change it waited for, not yet seen). Once this statement has the locks,
 * the next one's snapshot holds every committed change of these rows, and no other can commit
 * until this transaction ends.
 */
async function lockLedgers(tx: Tx, skus: string[]): Promise<void> {
  await sql`${prepareOnce}SELECT sku FROM inventory WHERE sku = ANY(${skus}::text[]) ORDER BY sku FOR UPDATE`.execute(tx);
}

/**
 * Re-arms a SKU's low-stock alert when its availability is above its threshold, so that its next
 * crossing is alerted: the sales that take a restocked SKU low again are often all handled after the
 * fact, when none of them finds it above, and the second crossing went unannounced. `margin`: only
 * when clear of the threshold by the re-arm margin (`clearOfLowStock`), for stock that moved on its
 * own (a vendor's recount) or that an admin took away; an admin's restock re-arms at one unit above.
 * Units given back re-arm it in `settle`, with the margin.
 */
async function rearmLowStock(tx: Tx, sku: string, margin: 'margin' | 'none' = 'none'): Promise<void> {
  const clear = margin === 'margin' ? clearOfLowStock('level.available', 'level.threshold') : sql`level.available > level.threshold`;
  await sql`
    DELETE FROM low_stock_alerts AS alert USING (
      SELECT i.sku, i.on_hand + i.vendor_on_hand - i.reserved AS available, product.low_stock_threshold AS threshold
      FROM inventory AS i JOIN products AS product USING (sku)
      WHERE i.sku = ${sku}
    ) AS level
    WHERE alert.sku = level.sku AND ${clear}
  `.execute(tx);
}

/**
 * After a vendor recount moved a SKU's counted vendor units by `delta`, under its row lock: re-arms
 * its alert when it is clear of its threshold by the re-arm margin, and when the recount lowered it to its threshold or
 * under it, raises the alert unless it is up already, with an `inventory.low-stock` outbox event for
 * the admins' mail: nobody at the shop made that change, so without it the SKU went unannounced
 * until its next sale. One statement writes both, the alert naming the event as the one that raised
 * it, as a sale's names its confirmation. A product taken off the catalog raises none. (An admin's
 * own count or adjustment only re-arms: the admin knows, and the next sale alerts as usual.)
 */
async function settleRecountLowStock(tx: Tx, sku: string, delta: number): Promise<void> {
  await rearmLowStock(tx, sku, 'margin');
  if (delta >= 0) return;
  await sql`
    WITH level AS (
      SELECT i.sku, i.on_hand + i.vendor_on_hand - i.reserved AS available, product.low_stock_threshold AS threshold
      FROM inventory AS i JOIN products AS product USING (sku)
      WHERE i.sku = ${sku} AND product.deleted_at IS NULL
        AND i.on_hand + i.vendor_on_hand - i.reserved <= product.low_stock_threshold
    ), alerted AS (
      INSERT INTO low_stock_alerts (sku, available, event_id)
      SELECT sku, available, nextval(pg_get_serial_sequence('outbox', 'id')) FROM level
      ON CONFLICT (sku) DO NOTHING
      RETURNING sku, available, event_id
    )
    INSERT INTO outbox (id, order_id, event_type, payload)
    SELECT alerted.event_id, NULL, 'inventory.low-stock',
      jsonb_build_object('sku', alerted.sku, 'available', alerted.available, 'threshold', level.threshold)
    FROM alerted JOIN level USING (sku)
  `.execute(tx);
}

export class InventoryRepository {
  constructor(private readonly db: Db) {}

  find(sku: string, executor: Executor = this.db): Promise<InventoryRow | undefined> {
    return executor.selectFrom('inventory').selectAll().where('sku', '=', sku).executeTakeFirst();
  }

  /** Reads a SKU's row locked until the transaction ends: `update` to change it, `share` to keep it from changing. */
  lock(tx: Tx, sku: string, mode: 'update' | 'share'): Promise<InventoryRow | undefined> {
    const query = tx.selectFrom('inventory').selectAll().where('sku', '=', sku);
    return (mode === 'update' ? query.forUpdate() : query.forShare()).executeTakeFirst();
  }

  /** A page of the live products' ledgers in SKU order, and how many there are in all. */
  async ledgers(page: LedgerPage): Promise<{ rows: ProductLedger[]; total: number }> {
    let query = this.db.selectFrom('inventory as i').innerJoin('products as p', 'p.sku', 'i.sku').where('p.deletedAt', 'is', null);
    if (page.low) query = query.where(sql<boolean>`i.on_hand + i.vendor_on_hand - i.reserved <= p.low_stock_threshold`);
    if (page.q) {
      const pattern = containing(page.q);
      query = query.where((eb) => eb.or([eb('p.title', 'ilike', pattern), eb('i.sku', 'ilike', pattern)]));
    }
    const [rows, count] = await Promise.all([
      query.selectAll('i').select(['p.title', 'p.lowStockThreshold']).orderBy('i.sku').offset(page.offset).limit(page.limit).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count.total };
  }

  /** Every SKU's ledger availability, for drift measurement. */
  allAvailability(): Promise<{ sku: string; available: number }[]> {
    return this.db
      .selectFrom('inventory')
      .select(['sku', sql<number>`on_hand + vendor_on_hand - reserved`.as('available')])
      .orderBy('sku')
      .execute();
  }

  /** Sets a SKU's local stock (an admin's adjustment or count), under its row lock. */
  async setOnHand(tx: Tx, sku: string, onHand: number, delta: number, reason: string, actorId: string | null) {
    await tx.updateTable('inventory').set({ onHand, updatedAt: sql`now()` }).where('sku', '=', sku).execute();
    await tx.insertInto('inventoryMovements').values({ sku, onHandDelta: delta, reason, actorId }).execute();
    // A restock re-arms at one unit above; units the admin takes away (damaged, miscounted) only past the margin.
    await rearmLowStock(tx, sku, delta > 0 ? 'none' : 'margin');
  }

  /**
   * Re-arms the SKU's low-stock alert if its availability is now above its product's threshold: a
   * threshold lowered under the availability, so the sale that takes the SKU to the new one is alerted.
   */
  rearmLowStock(tx: Tx, sku: string): Promise<void> {
    return rearmLowStock(tx, sku);
  }

  /**
   * The vendor units the ledger counts for a SKU, `delta` from what it counted, as a recount set them
   * under the row lock; its low-stock alert follows (settleRecountLowStock).
   */
  async setVendorOnHand(tx: Tx, sku: string, vendorOnHand: number, delta: number): Promise<void> {
    await tx.updateTable('inventory').set({ vendorOnHand, updatedAt: sql`now()` }).where('sku', '=', sku).execute();
    await settleRecountLowStock(tx, sku, delta);
  }

  /**
   * Moves several SKUs' ledgers in one statement: `sold` units leave reserved and count as sold,
   * taken from local stock (on_hand) first and from the counted vendor units (vendor_on_hand) for the
   * rest; `released` units leave reserved and are on sale again. How each sold line split between
   * local and vendor units is recorded in `fulfilment_lines` by the same statement, so fulfilment
   * knows what to order from vendors, and each SKU's new availability as a `stock.changed` outbox
   * event (one per SKU, however many orders the batch holds); a SKU it leaves above its low-stock
   * threshold has its alert re-armed. The rows are locked first, in SKU
   * order and by a statement of their own (lockLedgers), so two transactions touching the same
   * SKUs never deadlock and the moves apply to the rows as locked.
   */
  async settle(tx: Tx, moves: LedgerMoves): Promise<void> {
    const skus = [...new Set([...moves.sold, ...moves.released].map((move) => move.sku))];
    if (skus.length === 0) return;
    await lockLedgers(tx, skus);
    const { rows } = await sql<{ sku: string }>`${prepareOnce}
      WITH sale AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(moves.sold)}::jsonb) AS s("orderId" uuid, sku text, quantity int)
      ), given_back AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(moves.released)}::jsonb) AS r(sku text, quantity int)
      ), move AS (
        SELECT sku, sum(sold)::int AS sold, sum(released)::int AS released
        FROM (SELECT sku, quantity AS sold, 0 AS released FROM sale UNION ALL SELECT sku, 0, quantity FROM given_back) AS m
        GROUP BY sku
      ), split AS (
        -- Local units go to the batch's orders in id order; what local stock cannot cover comes from vendors.
        SELECT sale."orderId", sale.sku, sale.quantity,
               greatest(0, least(sale.quantity, ledger.on_hand - (sum(sale.quantity) OVER (PARTITION BY sale.sku ORDER BY sale."orderId") - sale.quantity))) AS local_quantity
        FROM sale JOIN inventory AS ledger USING (sku)
      ), local AS (
        SELECT sku, sum(local_quantity)::int AS local_quantity FROM split GROUP BY sku
      ), recorded AS (
        INSERT INTO fulfilment_lines (order_id, sku, local_quantity, vendor_quantity, status)
        SELECT "orderId", sku, local_quantity, quantity - local_quantity, CASE WHEN quantity = local_quantity THEN 'local' ELSE 'pending' END
        FROM split
      ), moved AS (
        UPDATE inventory AS i
        SET on_hand = i.on_hand - coalesce(local.local_quantity, 0),
            vendor_on_hand = i.vendor_on_hand - (move.sold - coalesce(local.local_quantity, 0)),
            reserved = i.reserved - move.sold - move.released,
            sold = i.sold + move.sold,
            updated_at = now()
        FROM move LEFT JOIN local USING (sku)
        WHERE i.sku = ANY(${skus}::text[]) AND i.sku = move.sku
        RETURNING i.sku, i.on_hand + i.vendor_on_hand - i.reserved AS available
      ), rearmed AS (
        -- Units given back can take a SKU clear of its low-stock threshold again: its next crossing is alerted.
        DELETE FROM low_stock_alerts AS alert USING moved, products AS product
        WHERE alert.sku = moved.sku AND product.sku = moved.sku
          AND ${clearOfLowStock('moved.available', 'product.low_stock_threshold')}
      ), announced AS (
        -- Written from the rows the update returned, so under their locks: a SKU's events stay in id order.
        INSERT INTO outbox (order_id, event_type, payload)
        SELECT NULL, 'stock.changed', jsonb_build_object('sku', sku, 'available', available) FROM moved ORDER BY sku
      )
      SELECT sku FROM moved
    `.execute(tx);
    if (rows.length !== skus.length) {
      const missing = skus.filter((sku) => !rows.some((row) => row.sku === sku));
      throw new Error(`no inventory row for ${missing.join(', ')}`);
    }
  }
}
