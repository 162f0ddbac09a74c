import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/database.js';

/**
 * Whether an availability is clear of its low-stock threshold by the re-arm margin: more than the
 * threshold plus a fifth of it, rounded up, at least one unit (threshold 5: 7 or more; 6: 9 or
 * more; 20: 25 or more).
 * Stock that moves on its own (units given back by orders that end unpaid, a vendor's recount, a
 * sale finding it higher) re-arms an alert only past the margin: around the threshold a flash sale's
 * expiring holds and a vendor's counts swing by a unit or two, and a re-arm at one unit above mailed
 * the admins on every swing. An admin's restock or lowered threshold re-arms at one unit above.
 */
export const clearOfLowStock = (available: string, threshold: string): RawBuilder<boolean> =>
  sql<boolean>`${sql.ref(available)} > ${sql.ref(threshold)} + greatest(1, ceil(${sql.ref(threshold)} / 5.0)::int)`;

/** A SKU whose availability is at its low-stock threshold or under it. */
export interface LowStock {
  sku: string;
  available: number;
  threshold: number;
}

/**
 * Which sales take a SKU low. A SKU is alerted once when a sale finds its availability (on_hand +
 * vendor_on_hand - reserved, what buyers can reserve and the admin list's low filter counts) at or
 * under its product's low-stock threshold, and re-armed when a later sale finds it clear of the
 * threshold again (`clearOfLowStock`; or when a restock or units given back take it so:
 * InventoryRepository), so a flash sale that sells out raises one alert, not one per order. It runs when a
 * confirmation's event is handled, not in the confirming transaction, which keeps the hot ledger
 * row's lock short.
 */
export class LowStockAlertsRepository {
  constructor(private readonly db: Db) {}

  /**
   * For each confirmation (outbox event `eventId` of order `orderId`), the SKUs its sale takes low:
   * those it alerts now, and those it alerted on an earlier run (so a retried job still sends the
   * alert it raised). One statement for the lot; of several confirmations that take one SKU low
   * together, the first event raises its alert.
   */
  async alertsFor(sales: readonly { eventId: number; orderId: string }[]): Promise<Map<number, LowStock[]>> {
    const alerts = new Map<number, LowStock[]>(sales.map(({ eventId }) => [eventId, []]));
    if (sales.length === 0) return alerts;
    const { rows } = await sql<LowStock & { eventId: string }>`
      WITH sale AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(sales)}::jsonb) AS s("eventId" bigint, "orderId" uuid)
      ), sold AS (
        SELECT DISTINCT sale."eventId", line.sku
        FROM sale JOIN order_lines AS line ON line.order_id = sale."orderId"
      ), level AS (
        SELECT i.sku, i.on_hand + i.vendor_on_hand - i.reserved AS available, product.low_stock_threshold AS threshold
        FROM inventory AS i JOIN products AS product USING (sku)
        WHERE i.sku IN (SELECT sku FROM sold)
      ), recovered AS (
        DELETE FROM low_stock_alerts AS alert USING level
        WHERE alert.sku = level.sku AND ${clearOfLowStock('level.available', 'level.threshold')}
      ), raised AS (
        SELECT DISTINCT ON (sold.sku) sold.sku, level.available, sold."eventId"
        FROM sold JOIN level USING (sku)
        WHERE level.available <= level.threshold
        ORDER BY sold.sku, sold."eventId"
      ), alerted AS (
        INSERT INTO low_stock_alerts (sku, available, event_id)
        SELECT sku, available, "eventId" FROM raised ORDER BY sku
        ON CONFLICT (sku) DO NOTHING
        RETURNING sku, event_id
      ), ours AS (
        SELECT sku, event_id FROM alerted
        UNION SELECT alert.sku, alert.event_id FROM low_stock_alerts AS alert JOIN sold ON sold."eventId" = alert.event_id AND sold.sku = alert.sku
      )
      SELECT ours.event_id::text AS "eventId", level.sku, level.available, level.threshold
      FROM ours JOIN level USING (sku) ORDER BY level.sku
    `.execute(this.db);
    for (const { eventId, ...low } of rows) alerts.get(Number(eventId))?.push(low);
    return alerts;
  }
}
