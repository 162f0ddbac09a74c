import { type Kysely, sql } from 'kysely';

/**
 * An order line's vendor units may come from several vendors, each a part of its own: available
 * counts every vendor's units together, so a line of 2 when two vendors hold 1 each was accepted,
 * and failed when no single vendor could take it. One `vendor_orders` row per order, SKU and vendor
 * (each part's own quantity) instead of one per order and SKU. The line id a vendor is sent stays
 * `<orderId>:<sku>`: each vendor keeps its own, and no vendor gets two parts of one line.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE vendor_orders
      DROP CONSTRAINT vendor_orders_one_per_line,
      ADD CONSTRAINT vendor_orders_one_per_vendor UNIQUE (order_id, sku, vendor_id);
  `.execute(db);
}

/** Refused while a line has parts at several vendors: one row per line cannot say them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$
    BEGIN
      IF EXISTS (SELECT 1 FROM vendor_orders GROUP BY order_id, sku HAVING count(*) > 1) THEN
        RAISE EXCEPTION 'vendor_orders holds lines ordered in parts from several vendors: settle them before going back';
      END IF;
    END $$;
    ALTER TABLE vendor_orders
      DROP CONSTRAINT vendor_orders_one_per_vendor,
      ADD CONSTRAINT vendor_orders_one_per_line UNIQUE (order_id, sku);
  `.execute(db);
}
