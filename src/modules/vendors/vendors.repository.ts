import { sql } from 'kysely';
import type { Db, Executor, Tx } from '../../db/database.js';
import type { CircuitState, VendorRow } from '../../db/schema.js';
import { SKU_PATTERN } from '../catalog/sku.js';
import type { VendorStockItem } from './vendor-client.js';

/**
 * The oldest moment a vendor count may have been seen at and still count, by Postgres's clock:
 * counts are dated by it (`databaseNow`), so they are aged by it too, whatever the clock of the
 * process that asks.
 */
const freshSince = (staleAfterMs: number) => sql<Date>`clock_timestamp() - make_interval(secs => ${staleAfterMs / 1_000})`;

export interface NewVendor {
  name: string;
  baseUrl: string;
  priority?: number | undefined;
  enabled?: boolean | undefined;
}

export type VendorChanges = Partial<NewVendor>;

export type SyncOutcome = { status: 'ok'; skuCount: number } | { status: 'failed'; error: string };

/** Vendors, the stock each was last seen holding, and what the ledger's vendor count is made of. */
export class VendorsRepository {
  constructor(private readonly db: Db) {}

  list(): Promise<VendorRow[]> {
    return this.db.selectFrom('vendors').selectAll().orderBy('priority').orderBy('name').execute();
  }

  /** Enabled vendors in the order fulfilment tries them: priority, then name. */
  enabledByPriority(executor: Executor = this.db): Promise<VendorRow[]> {
    return executor.selectFrom('vendors').selectAll().where('enabled', '=', true).orderBy('priority').orderBy('name').execute();
  }

  find(id: string): Promise<VendorRow | undefined> {
    return this.db.selectFrom('vendors').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByName(name: string): Promise<VendorRow | undefined> {
    return this.db.selectFrom('vendors').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Inserts a vendor; undefined when the name is taken. */
  insert(vendor: NewVendor, executor: Executor = this.db): Promise<VendorRow | undefined> {
    return executor
      .insertInto('vendors')
      .values({
        name: vendor.name,
        baseUrl: vendor.baseUrl,
        ...(vendor.priority !== undefined ? { priority: vendor.priority } : {}),
        ...(vendor.enabled !== undefined ? { enabled: vendor.enabled } : {}),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  /** Changes the given fields; undefined when there is no such vendor. A taken name throws (unique violation). */
  update(id: string, changes: VendorChanges): Promise<VendorRow | undefined> {
    return this.db
      .updateTable('vendors')
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.baseUrl !== undefined ? { baseUrl: changes.baseUrl } : {}),
        ...(changes.priority !== undefined ? { priority: changes.priority } : {}),
        ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
        updatedAt: sql`now()`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async setCircuit(id: string, circuit: CircuitState): Promise<void> {
    await this.db.updateTable('vendors').set({ circuit }).where('id', '=', id).execute();
  }

  async recordSync(id: string, at: Date, outcome: SyncOutcome, circuit: CircuitState, executor: Executor = this.db): Promise<void> {
    await executor
      .updateTable('vendors')
      .set({
        lastSyncAt: at,
        lastSyncStatus: outcome.status,
        // The error quotes the vendor's own message, which may hold a NUL: refused by the text
        // column, it failed the sync itself, so the vendor's counts never went stale.
        lastSyncError: outcome.status === 'failed' ? outcome.error.replaceAll('\u0000', '\uFFFD').slice(0, 1_000) : null,
        circuit,
        ...(outcome.status === 'ok' ? { skuCount: outcome.skuCount, lastSuccessAt: at } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Stores what a vendor holds as seen at `seenAt` (when its counts were true: the vendor's `asOf`,
   * or our request's time if that is earlier): its count of every live catalog SKU it lists (others
   * are ignored), and 0 for the SKUs it listed before and no longer does. A count older than the one
   * stored (a vendor's cache answering behind an earlier answer) is not stored. Returns every SKU
   * whose row it wrote, and how many catalog SKUs the vendor lists.
   */
  async storeStock(tx: Tx, vendorId: string, items: VendorStockItem[], seenAt: Date): Promise<{ touched: string[]; listed: number }> {
    // A vendor's SKU that no catalog SKU can look like is not ours, and some would not even reach the
    // join: Postgres's JSON refuses a NUL or an unpaired surrogate, which failed every sync of the vendor.
    const ours = items.filter((item) => SKU_PATTERN.test(item.sku));
    const listed =
      ours.length === 0
        ? []
        : await sql<{ sku: string }>`
            INSERT INTO vendor_stock (vendor_id, sku, available, seen_at)
            SELECT ${vendorId}::uuid, v.sku, v.available, ${seenAt}::timestamptz
            -- One JSON parameter: a VALUES list takes two per item, and a vendor may list 100,000 items (Postgres takes 65,535 parameters).
            FROM jsonb_to_recordset(${JSON.stringify(ours.map(({ sku, available }) => ({ sku, available })))}::jsonb) AS v(sku text, available int)
            JOIN products AS p ON p.sku = v.sku AND p.deleted_at IS NULL
            ON CONFLICT (vendor_id, sku) DO UPDATE SET available = excluded.available, seen_at = excluded.seen_at
              WHERE vendor_stock.seen_at <= excluded.seen_at
            RETURNING sku
          `
            .execute(tx)
            .then((result) => result.rows.map((row) => row.sku));
    const zeroed = await tx
      .updateTable('vendorStock')
      .set({ available: 0, seenAt })
      .where('vendorId', '=', vendorId)
      // Rows this sync did not write; a row a later sync already wrote is left alone.
      .where('seenAt', '<', seenAt)
      .returning('sku')
      .execute();
    return { touched: [...listed, ...zeroed.map((row) => row.sku)].sort(), listed: listed.length };
  }

  /** Postgres's clock now: what vendor counts and vendor orders are dated by, whichever process writes them. */
  async databaseNow(): Promise<Date> {
    const { rows } = await sql<{ now: Date }>`SELECT clock_timestamp() AS now`.execute(this.db);
    return rows[0]!.now;
  }

  /** The SKUs a vendor's stock is counted for or was: every row it has. */
  async skusOf(vendorId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('vendorStock').select('sku').where('vendorId', '=', vendorId).orderBy('sku').execute();
    return rows.map((row) => row.sku);
  }

  /** The SKUs of a vendor whose stock was last seen over `staleAfterMs` ago and still had units: they stop counting. */
  async staleSkusOf(vendorId: string, staleAfterMs: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('vendorStock')
      .select('sku')
      .where('vendorId', '=', vendorId)
      .where('seenAt', '<', freshSince(staleAfterMs))
      .where('available', '>', 0)
      .orderBy('sku')
      .execute();
    return rows.map((row) => row.sku);
  }

  /**
   * The vendor units the ledger should count for a SKU now: over enabled vendors whose count of it
   * was seen within the last `staleAfterMs`, that count less what we ordered from the vendor after it
   * was seen (its count does not show those yet); less the units sold from vendors and not yet
   * ordered from one (a line's parts already placed are in the first sum). Never below 0. One
   * statement, so it reads one consistent state.
   */
  async supplyTarget(tx: Tx, sku: string, staleAfterMs: number): Promise<number> {
    const result = await sql<{ target: number }>`
      SELECT greatest(0,
        coalesce((
          SELECT sum(greatest(0, vs.available - coalesce((
            SELECT sum(vo.quantity) FROM vendor_orders AS vo
            WHERE vo.vendor_id = vs.vendor_id AND vo.sku = vs.sku AND vo.placed_at > vs.seen_at
          ), 0)))
          FROM vendor_stock AS vs JOIN vendors AS v ON v.id = vs.vendor_id
          WHERE vs.sku = ${sku} AND v.enabled AND vs.seen_at >= ${freshSince(staleAfterMs)}
        ), 0)
        - coalesce((
          SELECT sum(fl.vendor_quantity - coalesce((
            SELECT sum(vo.quantity) FROM vendor_orders AS vo
            WHERE vo.order_id = fl.order_id AND vo.sku = fl.sku AND vo.placed_at IS NOT NULL
          ), 0))
          FROM fulfilment_lines AS fl WHERE fl.sku = ${sku} AND fl.status = 'pending'
        ), 0)
      )::int AS target
    `.execute(tx);
    return result.rows[0]!.target;
  }

  /** Each SKU's vendor counts, by enabled vendor, with when they were seen: what Product.sources shows. */
  stockOf(skus: string[], staleAfterMs: number): Promise<{ sku: string; vendor: string; available: number; stale: boolean }[]> {
    if (skus.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('vendorStock as vs')
      .innerJoin('vendors as v', 'v.id', 'vs.vendorId')
      .select(['vs.sku', 'v.name as vendor', 'vs.available', sql<boolean>`vs.seen_at < ${freshSince(staleAfterMs)}`.as('stale')])
      .where('vs.sku', 'in', skus)
      .where('v.enabled', '=', true)
      .orderBy('vs.sku')
      .orderBy('v.priority')
      .orderBy('v.name')
      .execute();
  }
}
