import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

/** A SKU whose availability is at its low-stock threshold or under it. */
export interface LowStock {
  sku: string;
  available: number;
  threshold: number;
}

/**
 * Which sales take a SKU low. A SKU is alerted once when a sale finds its availability (on_hand -
 * reserved) at or under its product's low-stock threshold, and re-armed when a later sale finds it above again (a
 * restock), so a flash sale that sells out raises one alert, not one per order. It runs when a
 * confirmation's event is handled, not in the confirming transaction, which keeps the hot ledger
 * row's lock short.
 */
export class LowStockAlertsRepository {
  constructor(private readonly db: Db) {}

  /**
   * The SKUs of order `orderId` that its sale (event `eventId`) takes low: those it alerts now, and
   * those it alerted on an earlier run (so a retried job still sends the alert it raised).
   */
  async alertsFor(eventId: number, orderId: string): Promise<LowStock[]> {
    const { rows } = await sql<LowStock>`
      WITH threshold AS (
        SELECT line.sku, product.low_stock_threshold AS threshold
        FROM order_lines AS line JOIN products AS product USING (sku)
        WHERE line.order_id = ${orderId}
      ), level AS (
        SELECT i.sku, i.on_hand - i.reserved AS available, threshold.threshold
        FROM inventory AS i JOIN threshold USING (sku)
      ), recovered AS (
        DELETE FROM low_stock_alerts AS alert USING level
        WHERE alert.sku = level.sku AND level.available > level.threshold
      ), alerted AS (
        INSERT INTO low_stock_alerts (sku, available, event_id)
        SELECT sku, available, ${eventId} FROM level WHERE available <= threshold ORDER BY sku
        ON CONFLICT (sku) DO NOTHING
        RETURNING sku
      ), ours AS (
        SELECT sku FROM alerted
        UNION SELECT sku FROM low_stock_alerts WHERE event_id = ${eventId}
      )
      SELECT level.sku, level.available, level.threshold FROM level JOIN ours USING (sku) ORDER BY level.sku
    `.execute(this.db);
    return rows;
  }
}
