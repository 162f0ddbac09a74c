import { sql } from 'kysely';
import type { Db, Executor, Tx } from '../../db/database.js';
import type { InventoryRow } from '../../db/schema.js';
import type { StockLine } from './inventory.schemas.js';

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

  async setOnHand(tx: Tx, sku: string, onHand: number, delta: number, reason: string, actorId: string | null) {
    await tx.updateTable('inventory').set({ onHand, updatedAt: sql`now()` }).where('sku', '=', sku).execute();
    await tx.insertInto('inventoryMovements').values({ sku, onHandDelta: delta, reason, actorId }).execute();
  }

  /** The vendor units the ledger counts for a SKU, as a recount set them under the row lock. */
  async setVendorOnHand(tx: Tx, sku: string, vendorOnHand: number): Promise<void> {
    await tx.updateTable('inventory').set({ vendorOnHand, updatedAt: sql`now()` }).where('sku', '=', sku).execute();
  }

  /** reserved -= quantity: the units go back on sale. */
  release(tx: Tx, lines: StockLine[]) {
    return this.move(tx, lines, sql`reserved = i.reserved - v.qty`);
  }

  /**
   * The reserved units of an order are sold: they leave reserved and count as sold, taken from local
   * stock first and from the counted vendor units for the rest. How each line split is recorded in
   * `fulfilment_lines` by the same statement, so fulfilment knows what to order from vendors.
   */
  async sell(tx: Tx, orderId: string, lines: StockLine[]): Promise<void> {
    await this.lockRows(tx, lines);
    await sql`
      WITH v(sku, qty) AS (VALUES ${valuesOf(lines)}),
      split AS (
        SELECT v.sku, v.qty, least(i.on_hand, v.qty) AS local_qty FROM inventory AS i JOIN v ON v.sku = i.sku
      ),
      sold AS (
        UPDATE inventory AS i
        SET on_hand = i.on_hand - split.local_qty,
            vendor_on_hand = i.vendor_on_hand - (split.qty - split.local_qty),
            reserved = i.reserved - split.qty,
            sold = i.sold + split.qty,
            updated_at = now()
        FROM split WHERE i.sku = split.sku
      )
      INSERT INTO fulfilment_lines (order_id, sku, local_quantity, vendor_quantity, status)
      SELECT ${orderId}::uuid, sku, local_qty, qty - local_qty, CASE WHEN qty = local_qty THEN 'local' ELSE 'pending' END
      FROM split
    `.execute(tx);
  }

  /**
   * Applies one change to several rows. The rows are locked in SKU order first, so two
   * transactions touching the same SKUs never deadlock.
   */
  private async move(tx: Tx, lines: StockLine[], assignment: ReturnType<typeof sql>) {
    await this.lockRows(tx, lines);
    await sql`
      UPDATE inventory AS i SET ${assignment}, updated_at = now()
      FROM (VALUES ${valuesOf(lines)}) AS v(sku, qty)
      WHERE i.sku = v.sku
    `.execute(tx);
  }

  private async lockRows(tx: Tx, lines: StockLine[]): Promise<void> {
    const skus = lines.map((line) => line.sku).sort();
    const locked = await tx.selectFrom('inventory').select('sku').where('sku', 'in', skus).orderBy('sku').forUpdate().execute();
    if (locked.length !== skus.length) {
      const missing = skus.filter((sku) => !locked.some((row) => row.sku === sku));
      throw new Error(`no inventory row for ${missing.join(', ')}`);
    }
  }
}

const valuesOf = (lines: StockLine[]) => sql.join(lines.map((line) => sql`(${line.sku}::text, ${line.quantity}::int)`));
