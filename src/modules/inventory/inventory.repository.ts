import { sql } from 'kysely';
import type { Db, Executor, Tx } from '../../db/database.js';
import type { InventoryRow } from '../../db/schema.js';

/** One SKU's share of a batch of order transitions. */
export interface LedgerMove {
  sku: string;
  /** Reserved units sold (confirmed orders). */
  sold: number;
  /** Reserved units given back (cancelled, expired or failed orders). */
  released: number;
}

/** A live product's ledger, with what the admin inventory list shows beside it. */
export interface ProductLedger extends InventoryRow {
  title: string;
  lowStockThreshold: number;
}

export interface LedgerPage {
  offset: number;
  limit: number;
  /** Only the SKUs whose on_hand - reserved is at or under their product's low-stock threshold. */
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
    if (page.low) query = query.where(sql<boolean>`i.on_hand - i.reserved <= p.low_stock_threshold`);
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
      .select(['sku', sql<number>`on_hand - reserved`.as('available')])
      .orderBy('sku')
      .execute();
  }

  async setOnHand(tx: Tx, sku: string, onHand: number, delta: number, reason: string, actorId: string | null) {
    await tx.updateTable('inventory').set({ onHand, updatedAt: sql`now()` }).where('sku', '=', sku).execute();
    await tx.insertInto('inventoryMovements').values({ sku, onHandDelta: delta, reason, actorId }).execute();
  }

  /**
   * Moves several SKUs' ledgers in one statement: `sold` units leave on_hand and reserved and count
   * as sold; `released` units leave reserved and are on sale again. The statement locks the rows in
   * SKU order before it updates them (the `ledger` part, as the persist writes do), so two
   * transactions touching the same SKUs never deadlock.
   */
  async settle(tx: Tx, moves: readonly LedgerMove[]): Promise<void> {
    if (moves.length === 0) return;
    const { rows } = await sql<{ sku: string }>`
      WITH move AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(moves)}::jsonb) AS m(sku text, sold int, released int)
      ), ledger AS (
        SELECT sku FROM inventory WHERE sku IN (SELECT sku FROM move) ORDER BY sku FOR UPDATE
      )
      UPDATE inventory AS i
      SET on_hand = i.on_hand - move.sold, reserved = i.reserved - move.sold - move.released, sold = i.sold + move.sold, updated_at = now()
      FROM move, ledger
      WHERE i.sku = ANY(${moves.map((move) => move.sku)}::text[]) AND i.sku = move.sku AND ledger.sku = move.sku
      RETURNING i.sku
    `.execute(tx);
    if (rows.length !== moves.length) {
      const missing = moves.filter((move) => !rows.some((row) => row.sku === move.sku)).map((move) => move.sku);
      throw new Error(`no inventory row for ${missing.join(', ')}`);
    }
  }
}
