import { sql } from 'kysely';
import type { Tx } from '../../../db/database.js';
import { lockLedgers } from '../../inventory/inventory.repository.js';
import type { OrderSnapshot } from '../order-snapshot.js';

/** How accepted orders are written: holding their stock, or as FAILED with the reason and holding nothing. */
export type OrderWrite = { status: 'PENDING' } | { status: 'FAILED'; reason: string };

/** Orders name a SKU that has no ledger row: nothing was written. */
export class MissingLedgerRowError extends Error {
  constructor(orderIds: string[]) {
    super(`orders ${orderIds.join(', ')} name a SKU without a ledger row`);
    this.name = 'MissingLedgerRowError';
  }
}

/**
 * The one way accepted orders reach Postgres: inside the caller's transaction, one statement that
 * writes each user's row if it is gone (the token was signed by us, so its subject is real even
 * after a restore), each order, its lines and its history (placed by the customer; failed by the
 * system), and for PENDING orders an `order.placed` outbox event and `reserved += quantity` on the
 * ledger row of every SKU they name, with one `stock.changed` event per SKU (written from the
 * updated rows, so under their locks). Idempotent on the order ids: an order already
 * there is left as it is and holds nothing twice. A CHECK violation on the ledger, or any order
 * Postgres refuses, aborts the whole statement.
 *
 * For PENDING orders the ledger rows are locked first, in SKU order, by a statement of their own
 * (lockLedgers says why it must be its own). None can deadlock with it: after that statement it
 * waits only for another writer of the same new order or user row, and such a writer holds no
 * ledger row it needs (a persist of the same order locks the same SKUs first; a FAILED write
 * locks none). A transition locks existing orders, then ledger rows; this write never waits for
 * an existing order (ON CONFLICT DO NOTHING skips it without a lock).
 */
const skusOf = (snapshot: OrderSnapshot) => snapshot.items.map((item) => item.sku);

export class OrderWritesRepository {
  /** Returns the ids it inserted; the others were there already. */
  async insert(tx: Tx, snapshots: OrderSnapshot[], write: OrderWrite): Promise<Set<string>> {
    const orders = JSON.stringify(snapshots);
    const held = write.status === 'PENDING';
    // Its own statement, before the write: see lockLedgers.
    if (held) await lockLedgers(tx, snapshots.flatMap(skusOf));
    const reason = write.status === 'FAILED' ? write.reason : null;
    const result = await sql<{ inserted: string[]; skus: number; reserved: number }>`
      WITH incoming AS (
        SELECT * FROM jsonb_to_recordset(${orders}::jsonb) AS o(
          id uuid, "userId" uuid, "totalCents" bigint, currency text, "customerEmail" text, "shippingAddress" jsonb,
          "idempotencyKeyHash" text, "createdAt" timestamptz, "expiresAt" timestamptz, items jsonb)
      ), owner AS (
        INSERT INTO users (id, role) SELECT DISTINCT "userId", 'guest' FROM incoming ORDER BY "userId"
        ON CONFLICT (id) DO NOTHING
      ), new_order AS (
        INSERT INTO orders (id, user_id, status, total_cents, currency, customer_email, shipping_address,
                            idempotency_key_hash, created_at, expires_at)
        SELECT id, "userId", ${write.status}, "totalCents", currency, "customerEmail", "shippingAddress",
               "idempotencyKeyHash", "createdAt", "expiresAt"
        FROM incoming ORDER BY id
        ON CONFLICT (id) DO NOTHING
        RETURNING id, created_at
      ), new_line AS (
        SELECT new_order.id AS order_id, l.*
        FROM new_order JOIN incoming USING (id),
             jsonb_to_recordset(incoming.items) AS l(sku text, title text, quantity int, "unitPriceCents" int)
      ), lines AS (
        INSERT INTO order_lines (order_id, sku, title, quantity, unit_price_cents)
        SELECT order_id, sku, title, quantity, "unitPriceCents" FROM new_line
      ), entries AS (
        INSERT INTO order_history (order_id, status, reason, actor, at)
        SELECT id, step.status, step.reason, step.actor, coalesce(step.at, created_at)
        FROM new_order,
             (VALUES (1, 'PENDING', NULL::text, 'customer', NULL::timestamptz),
                     (2, 'FAILED', ${reason}::text, 'system', clock_timestamp())) AS step(n, status, reason, actor, at)
        WHERE step.n = 1 OR ${!held}
        ORDER BY id, step.n
      ), placed AS (
        INSERT INTO outbox (order_id, event_type, payload)
        SELECT id, 'order.placed', '{}'::jsonb FROM new_order WHERE ${held} ORDER BY id
      ), added AS (
        SELECT sku, sum(quantity)::int AS quantity FROM new_line WHERE ${held} GROUP BY sku
      ), reserve AS (
        UPDATE inventory SET reserved = inventory.reserved + added.quantity, updated_at = now()
        FROM added
        WHERE inventory.sku = added.sku
        RETURNING inventory.sku, inventory.on_hand + inventory.vendor_on_hand - inventory.reserved AS available
      ), announced AS (
        INSERT INTO outbox (order_id, event_type, payload)
        SELECT NULL, 'stock.changed', jsonb_build_object('sku', sku, 'available', available) FROM reserve ORDER BY sku
      )
      SELECT ARRAY(SELECT id::text FROM new_order) AS inserted,
             (SELECT count(*)::int FROM added) AS skus,
             (SELECT count(*)::int FROM reserve) AS reserved
    `.execute(tx);
    const { inserted, skus, reserved } = result.rows[0]!;
    // Every product has its ledger row from its creation on, and products are only soft-deleted.
    if (reserved !== skus) throw new MissingLedgerRowError(inserted);
    return new Set(inserted);
  }
}
