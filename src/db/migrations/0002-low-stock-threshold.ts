import { type Kysely, sql } from 'kysely';

/**
 * Each product's low-stock threshold: the admin inventory list flags a SKU whose ledger
 * availability (on_hand - reserved) is at or under it. Existing products get the default, 5.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE products
      ADD COLUMN low_stock_threshold integer NOT NULL DEFAULT 5
      CONSTRAINT products_low_stock_threshold_non_negative CHECK (low_stock_threshold >= 0)
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE products DROP COLUMN low_stock_threshold`.execute(db);
}
